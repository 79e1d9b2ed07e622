"""ZITADEL's binary wires against any target: gRPC (HTTP/2), Connect with `application/proto` and gRPC-web, each
running the reset flow (create a user, return a reset code, set the new password with it, sign in with it, see
the used code refused, read the user) with Python clients over ZITADEL's own message descriptors.

gRPC needs `grpc_url` in the target's zitadel credentials: the mock lists it in /__admin/credentials; for a
deployment, add `grpc_url: <its API URL>` to the credentials file (ZITADEL serves gRPC on its API port; `https://`
uses TLS). Without it the gRPC check skips and says so.
"""

from __future__ import annotations

import base64
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import grpc
import pytest
import requests

from ....vendors.zitadel import protos
from ...target import Target

pytestmark = pytest.mark.zitadel
TIMEOUT = 10
OLD = "Old-Passw0rd!"
NEW = "N3w-Passw0rd!"
USERS = "/zitadel.user.v2.UserService"
SESSIONS = "/zitadel.session.v2.SessionService"


@dataclass
class Refused(Exception):
    """An RPC answered an error: its gRPC code name and the ZITADEL error ID of its detail (None if none)."""

    code: str
    error_id: str | None


Call = Callable[[str, Any], Any]  # (RPC path, request message) -> response message, or raises Refused


def _message(name: str, **fields: Any) -> Any:
    return protos.message_class(name)(**fields)


def _response(path: str, data: bytes) -> Any:
    return protos.message_class(protos.rpcs()[path].response.full_name).FromString(data)


def _error_id(status_bytes: bytes) -> str | None:
    status: Any = protos.message_class("google.rpc.Status").FromString(status_bytes)
    for detail in status.details:
        name = detail.type_url.rpartition("/")[2]
        if name in ("zitadel.v1.ErrorDetail", "zitadel.v1.CredentialsCheckError"):
            found: Any = protos.message_class(name).FromString(detail.value)
            return str(found.id)
    return None


def _padded(value: str) -> bytes:
    return base64.b64decode(value + "=" * (-len(value) % 4))


GRPC_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}


def _token(target: Target) -> str:
    return target.credentials["zitadel"]["access_token"]


def grpc_wire(target: Target) -> Call:
    url = target.credentials["zitadel"].get("grpc_url")
    if not url:
        pytest.skip(
            "no grpc_url in the zitadel credentials: the mock lists it in /__admin/credentials (unless started with "
            "--no-grpc); for a deployment add `grpc_url: <its API URL>` to the credentials file"
        )
    parts = urlsplit(url)
    address = parts.netloc
    if parts.scheme == "https":
        channel = grpc.secure_channel(address, grpc.ssl_channel_credentials())
    else:
        channel = grpc.insecure_channel(address)
    metadata = (("authorization", f"Bearer {_token(target)}"),)

    def call(path: str, request: Any) -> Any:
        method = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString())
        try:
            data = method(request, metadata=metadata, timeout=TIMEOUT)
        except grpc.RpcError as error:
            trailing = dict(error.trailing_metadata() or ())
            details = trailing.get("grpc-status-details-bin")
            raise Refused(error.code().name, _error_id(details) if details else None) from None
        return _response(path, data)

    return call


def connect_proto_wire(target: Target) -> Call:
    headers = {"Authorization": f"Bearer {_token(target)}", "Content-Type": "application/proto"}

    def call(path: str, request: Any) -> Any:
        url = f"{target.base_url('zitadel')}{path}"
        answer = requests.post(url, data=request.SerializeToString(), headers=headers, timeout=TIMEOUT)
        if answer.status_code != 200:
            body = answer.json()  # Connect unary errors are JSON whatever the codec
            details = body.get("details") or [{}]
            error_id = (details[0].get("debug") or {}).get("id") if isinstance(details[0], dict) else None
            raise Refused(str(body.get("code", "unknown")).upper(), error_id)  # Connect names are gRPC's, lower case
        assert answer.headers.get("Content-Type", "").startswith("application/proto"), answer.headers
        return _response(path, answer.content)

    return call


def grpc_web_wire(target: Target) -> Call:
    headers = {
        "Authorization": f"Bearer {_token(target)}",
        "Content-Type": "application/grpc-web+proto",
        "X-Grpc-Web": "1",
    }

    def call(path: str, request: Any) -> Any:
        payload = request.SerializeToString()
        body = struct.pack(">BI", 0, len(payload)) + payload
        answer = requests.post(f"{target.base_url('zitadel')}{path}", data=body, headers=headers, timeout=TIMEOUT)
        assert answer.status_code == 200, f"gRPC-web answers HTTP 200 with a grpc-status: {answer.status_code}"
        status, message, trailers = answer.headers.get("grpc-status"), b"", {}
        data, position = answer.content, 0
        while position < len(data):
            flags, length = struct.unpack(">BI", data[position : position + 5])
            chunk = data[position + 5 : position + 5 + length]
            position += 5 + length
            if flags & 0x80:
                for line in chunk.decode().split("\r\n"):
                    key, _, value = line.partition(":")
                    if key:
                        trailers[key.strip().lower()] = value.strip()
            else:
                message = chunk
        status = trailers.get("grpc-status", status)
        if status != "0":
            details = trailers.get("grpc-status-details-bin") or answer.headers.get("grpc-status-details-bin")
            name = GRPC_NAMES.get(int(status or 2), "UNKNOWN")
            raise Refused(name, _error_id(_padded(details)) if details else None)
        return _response(path, message)

    return call


WIRES: dict[str, Callable[[Target], Call]] = {
    "grpc": grpc_wire,
    "connect-proto": connect_proto_wire,
    "grpc-web": grpc_web_wire,
}


def _sign_in(call: Call, user_id: str, password: str) -> Any:
    request = _message("zitadel.session.v2.CreateSessionRequest")
    request.checks.user.user_id = user_id
    request.checks.password.password = password
    return call(f"{SESSIONS}/CreateSession", request)


@pytest.mark.parametrize("wire", list(WIRES))
def test_the_reset_flow_runs_over_the_binary_wire(wire: str, target: Target) -> None:
    if "zitadel" not in target.vendors:
        pytest.skip("zitadel is not selected (--vendor)")
    run_reset_flow(WIRES[wire](target))


def run_reset_flow(call: Call) -> None:
    """Create a user, reset its password with a returned code, prove the new password, see the code used up."""
    email = f"wire.{uuid.uuid4().hex[:12]}@example.com"
    add = _message("zitadel.user.v2.AddHumanUserRequest")
    add.profile.given_name, add.profile.family_name = "Wire", "Check"
    add.email.email, add.email.is_verified = email, True
    add.password.password = OLD
    user_id = call(f"{USERS}/AddHumanUser", add).user_id
    assert user_id, "AddHumanUser answered no user_id"

    reset = _message("zitadel.user.v2.PasswordResetRequest", user_id=user_id)
    reset.return_code.SetInParent()
    code = call(f"{USERS}/PasswordReset", reset).verification_code
    assert code, "PasswordReset with return_code answered no verification_code"

    change = _message("zitadel.user.v2.SetPasswordRequest", user_id=user_id, verification_code=code)
    change.new_password.password = NEW
    call(f"{USERS}/SetPassword", change)
    assert _sign_in(call, user_id, NEW).session_token, "CreateSession with the new password answered no token"

    change.new_password.password = "An0ther-Passw0rd!"
    with pytest.raises(Refused) as reused:
        call(f"{USERS}/SetPassword", change)
    assert (reused.value.code, reused.value.error_id) == ("FAILED_PRECONDITION", "COMMAND-2M9fs")
    with pytest.raises(Refused) as old:
        _sign_in(call, user_id, OLD)
    assert old.value.code == "INVALID_ARGUMENT"

    read = call(f"{USERS}/GetUserByID", _message("zitadel.user.v2.GetUserByIDRequest", user_id=user_id))
    assert read.user.user_id == user_id and read.user.human.email.email == email
