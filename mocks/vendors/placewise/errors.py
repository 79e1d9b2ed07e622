"""Placewise's error bodies: `{"error": "..."}` with its own 46x/47x statuses, and the 422 validation errors object."""

from __future__ import annotations

from typing import Any

from ...api import Reply
from ...errors import (
    AccountNotFound,
    ApiError,
    CodeAlreadyUsed,
    CodeExpired,
    CodeMismatch,
    CodeNotFound,
    Kind,
    TokenInvalid,
    WrongPassword,
)

# Operations whose page documents a 400 for a missing parameter, with the parameter Rails names for an empty body.
_MISSING_PARAMETER_IS_400 = {"resetPasswordByEmail": "password", "verifyMsisdn": "token", "verifyEmail": "token"}


def invalid_confirmation_token() -> ApiError:
    return ApiError(Kind.PRECONDITION, "Invalid confirmation token", status=463)


def invalid_verification_token() -> ApiError:
    return ApiError(Kind.PRECONDITION, "Invalid verification token", status=463)


def _validation_details(error: ApiError) -> dict[str, Any]:
    """doc-341637: `details` mirrors the payload path; each leaf is a list of `{error, options?}`."""
    info = error.details or {}
    pointer = [str(p) for p in info.get("pointer") or [info.get("field") or "base"]]
    rule = info.get("rule")
    issue: dict[str, Any] = {"error": "invalid_format"}
    if info.get("blank"):
        issue = {"error": "blank"}
    elif rule == "minLength":
        issue = {"error": "too_short", "options": {"min_length": info.get("limit")}}
    elif pointer[-1] == "msisdn" or "msisdn" in error.message:
        issue = {"error": "invalid_msisdn"}
    node: Any = [issue]
    for part in reversed(pointer):
        node = {part: node}
    return dict(node)


def _missing_parameter(error: ApiError, operation_id: str | None) -> str | None:
    """The parameter a documented 400 "param is missing" names, or None when this is not that case."""
    info = error.details or {}
    if error.kind is not Kind.INVALID or info.get("location") != "body":
        return None
    first = _MISSING_PARAMETER_IS_400.get(operation_id or "")
    if first is None:
        return None
    if not info.get("field"):  # no body at all
        return first
    return str(info["field"]) if info.get("rule") == "required" or info.get("blank") else None


def render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    info = error.details or {}
    missing = _missing_parameter(error, operation_id)
    if missing is not None:  # api-3510851, bl-api-v3: a missing password or token is a 400, not a 422
        return Reply(400, {"error": f"param is missing or the value is empty: {missing}"})
    if operation_id == "verifyToken" and error.kind is Kind.INVALID and info.get("field") == "type":
        return Reply(400, {"error": "Invalid type"})  # bl-api-v3 0_members.md#members-verify-token
    if error.kind is Kind.UNAUTHENTICATED and info.get("scheme") == "memberToken":
        if not info.get("presented"):
            # 460 is documented for an invalid or expired token; with no token at all we answer the generic 401.
            return Reply(401, {"error": "Missing member access token"})
        return Reply(460, {"error": "Invalid or expired access token"})
    if status == 422:
        body = {"error": "Invalid parameters", "details": _validation_details(error)}
        if not body["details"] or error.message == "":
            body["details"] = {"base": [{"error": "invalid"}]}
        return Reply(422, body)
    if error.kind is Kind.UNAUTHENTICATED and not error.status:
        return Reply(status, {"error": "Invalid client authorization"})
    return Reply(status, {"error": error.message})


DOMAIN_ERRORS = {
    AccountNotFound: lambda: ApiError(Kind.NOT_FOUND, "Member not found"),
    CodeNotFound: invalid_confirmation_token,
    CodeAlreadyUsed: invalid_confirmation_token,
    CodeExpired: invalid_confirmation_token,
    CodeMismatch: invalid_confirmation_token,
    WrongPassword: lambda: ApiError(Kind.UNAUTHENTICATED, "Invalid credentials", status=461),
    TokenInvalid: lambda: ApiError(Kind.UNAUTHENTICATED, "Invalid or expired access token", status=460),
}
