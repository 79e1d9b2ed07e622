"""ZITADEL's errors: gRPC codes, error IDs with their English i18n text, and the two JSON shapes they take
(grpc-gateway on REST, Connect on `/<package>.<Service>/<Method>`). The binary wires derive theirs from Connect's.
Sources: contracts.md section 2.3, ZITADEL `internal/api/grpc/gerrors`, `internal/static/i18n/en.yaml`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from ...api import Reply
from ...errors import (
    AccountNotFound,
    ApiError,
    CodeAlreadyUsed,
    CodeExpired,
    CodeMismatch,
    CodeNotFound,
    DomainError,
    Kind,
    TokenInvalid,
    WrongPassword,
)
from . import protos

# gRPC status codes: the gateway's HTTP status and the Connect code name and HTTP status for each.
GATEWAY_STATUS = {
    1: 499,
    2: 500,
    3: 400,
    4: 504,
    5: 404,
    6: 409,
    7: 403,
    8: 429,
    9: 400,
    10: 409,
    11: 400,
    12: 501,
    13: 500,
    14: 503,
    15: 500,
    16: 401,
}
CONNECT_CODES = {
    1: ("canceled", 499),
    2: ("unknown", 500),
    3: ("invalid_argument", 400),
    4: ("deadline_exceeded", 504),
    5: ("not_found", 404),
    6: ("already_exists", 409),
    7: ("permission_denied", 403),
    8: ("resource_exhausted", 429),
    9: ("failed_precondition", 400),
    10: ("aborted", 409),
    11: ("out_of_range", 400),
    12: ("unimplemented", 501),
    13: ("internal", 500),
    14: ("unavailable", 503),
    15: ("data_loss", 500),
    16: ("unauthenticated", 401),
}
GRPC_CODE_OF_CONNECT = {name: code for code, (name, _) in CONNECT_CODES.items()}
GRPC_CODE_OF_KIND = {
    Kind.MALFORMED: 3,
    Kind.UNSUPPORTED_MEDIA_TYPE: 3,
    Kind.TOO_LARGE: 8,
    Kind.INVALID: 3,
    Kind.MISSING_HEADER: 3,
    Kind.UNAUTHENTICATED: 16,
    Kind.FORBIDDEN: 7,
    Kind.NOT_FOUND: 5,
    Kind.NO_ROUTE: 5,
    Kind.METHOD_NOT_ALLOWED: 12,
    Kind.PRECONDITION: 9,
    Kind.RATE_LIMITED: 8,
    Kind.INTERNAL: 13,
    Kind.UNAVAILABLE: 14,
}
KIND_OF_GRPC_CODE = {
    3: Kind.INVALID,
    5: Kind.NOT_FOUND,
    6: Kind.PRECONDITION,
    7: Kind.FORBIDDEN,
    9: Kind.PRECONDITION,
    13: Kind.INTERNAL,
    14: Kind.UNAVAILABLE,
}
# Answers of the HTTP layer rather than of an RPC keep their HTTP status on both surfaces.
TRANSPORT_STATUS = {Kind.NO_ROUTE: 404, Kind.METHOD_NOT_ALLOWED: 405, Kind.TOO_LARGE: 413}
ERROR_DETAIL = "zitadel.v1.ErrorDetail"
CREDENTIALS_CHECK_ERROR = "zitadel.v1.CredentialsCheckError"
ACCEPTED_MEDIA = "application/json, application/proto"  # what a Connect procedure reads (Accept-Post on a 415)


def fail(
    grpc_code: int, error_id: str | None, message: str, detail_type: str = ERROR_DETAIL, **detail: Any
) -> ApiError:
    """A ZITADEL error: gRPC code, error ID (`COMMAND-SAF4f`), the English i18n text and any further detail fields."""
    info = {"grpc": grpc_code, "detail_type": detail_type, "detail": detail}
    status = GATEWAY_STATUS[grpc_code] if grpc_code not in KIND_OF_GRPC_CODE else None
    return ApiError(
        KIND_OF_GRPC_CODE.get(grpc_code, Kind.INTERNAL), message, code=error_id, details=info, status=status
    )


def user_not_found() -> ApiError:
    return fail(5, "COMMAND-SAF4f", "User could not be found")


# What ZITADEL answers for each domain error a handler lets through (its crypto.VerifyCode and passwap errors).
DOMAIN_ERRORS: dict[type[DomainError], Callable[[], ApiError]] = {
    AccountNotFound: user_not_found,
    CodeNotFound: lambda: fail(9, "COMMAND-2M9fs", "Code not found"),
    CodeAlreadyUsed: lambda: fail(9, "COMMAND-2M9fs", "Code not found"),
    CodeExpired: lambda: fail(9, "CODE-QvUQ4P", "Code is expired"),
    CodeMismatch: lambda: fail(3, "CODE-woT0xc", "Code is invalid"),
    WrongPassword: lambda: fail(3, "COMMAND-3M0fs", "Password is invalid"),
    TokenInvalid: lambda: ApiError(Kind.UNAUTHENTICATED, "Errors.Token.Invalid", code="AUTH-7fs1e"),
}


def error_detail_bytes(error_id: str, message: str, detail_type: str = ERROR_DETAIL, **detail: Any) -> bytes:
    """The error detail (`zitadel.v1.ErrorDetail {id, message}` or CredentialsCheckError) as binary protobuf."""
    return protos.encode(protos.message_type(detail_type), {"id": error_id, "message": message, **detail})


def is_connect(path: str, operation_id: str | None) -> bool:
    """Connect procedures live at `/<package>.<Service>/<Method>`; REST gateway paths start with `/v2/`."""
    return operation_id.startswith("connect") if operation_id else "/zitadel." in path


# An error that names only an HTTP status (an injected fault) gets the gRPC code the gateway maps to that status.
GRPC_CODE_OF_STATUS = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 499: 1, 501: 12, 503: 14, 504: 4}


def render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    """REST: grpc-gateway `{code: int, message, details[@type]}`; Connect: `{code: "not_found", message, details}`."""
    info = error.details if isinstance(error.details, dict) else {}
    grpc_code = int(
        info.get("grpc")
        or (error.status is not None and GRPC_CODE_OF_STATUS.get(error.status))
        or GRPC_CODE_OF_KIND.get(error.kind, 2)
    )
    connect = is_connect(path, operation_id)
    if connect and error.kind is Kind.UNSUPPORTED_MEDIA_TYPE:
        return Reply(415, None, {"Accept-Post": ACCEPTED_MEDIA})  # connect-go: 415 without a body
    if connect and error.kind is Kind.NO_ROUTE:
        grpc_code = 12
    message = f"{error.message} ({error.code})" if error.code else error.message
    detail_type = str(info.get("detail_type", ERROR_DETAIL))
    extra = info.get("detail") or {}
    if connect:
        name, connect_status = CONNECT_CODES[grpc_code]
        body: dict[str, Any] = {"code": name, "message": message}
        if error.code:
            packed = error_detail_bytes(error.code, error.message, detail_type, **extra)
            value = base64.b64encode(packed).decode().rstrip("=")
            debug = {"id": error.code, "message": error.message, **extra}
            body["details"] = [{"type": detail_type, "value": value, "debug": debug}]
        return Reply(TRANSPORT_STATUS.get(error.kind, connect_status), body)
    body = {"code": grpc_code, "message": message}
    if error.code:
        detail = {"@type": f"type.googleapis.com/{detail_type}", "id": error.code, "message": error.message, **extra}
        body["details"] = [detail]
    return Reply(TRANSPORT_STATUS.get(error.kind, GATEWAY_STATUS[grpc_code]), body)
