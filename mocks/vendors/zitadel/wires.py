"""The binary wires of a Connect procedure, as pure functions: Connect with `application/proto`, gRPC-web (binary,
JSON and text) and gRPC's message bytes. Each decodes the request into the operation's JSON before the shared
pipeline runs, and encodes the pipeline's JSON reply afterwards, so every wire shares one implementation and one
strict check. Sources: the Connect protocol, the gRPC-web protocol (PROTOCOL-WEB.md) and gRPC over HTTP/2.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from ...api import Reply, Wire
from ...errors import ApiError, Kind
from ...openapi.spec import Operation
from ...openapi.validation import RawRequest, media_type_of
from . import protos
from .errors import GRPC_CODE_OF_CONNECT

JSON = "application/json"
GRPC = "application/grpc"
# What an HTTP status means as a gRPC code, for replies that carry no Connect code (gRPC's HTTP mapping).
GRPC_CODE_OF_HTTP = {400: 13, 401: 16, 403: 7, 404: 12, 413: 8, 415: 3, 429: 14, 502: 14, 503: 14, 504: 14}
_MESSAGE_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")  # grpc-message: percent-encode the rest
_TRAILER = 0x80


def _rpc(operation: Operation) -> protos.Rpc:
    return protos.rpcs()[operation.extensions["x-rpc"]]


def _as_json(raw: RawRequest, payload: bytes) -> RawRequest:
    return replace(raw, content_type=JSON, body=payload)


def _decode_proto(operation: Operation, payload: bytes) -> bytes:
    return json.dumps(protos.decode(_rpc(operation).request, payload)).encode()


def _encode_proto(operation: Operation, body: Any) -> bytes:
    return protos.encode(_rpc(operation).response, body or {})


# The gRPC status of an error reply ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GrpcStatus:
    code: int
    message: str
    details: bytes  # a serialized google.rpc.Status (code, message and the packed ZITADEL error detail)

    def headers(self) -> dict[str, str]:
        """As gRPC metadata: `grpc-status`, percent-encoded `grpc-message`, base64 `grpc-status-details-bin`."""
        return {
            "grpc-status": str(self.code),
            "grpc-message": quote(self.message, safe=_MESSAGE_SAFE),
            "grpc-status-details-bin": base64.b64encode(self.details).decode().rstrip("="),
        }


def grpc_status(reply: Reply) -> GrpcStatus:
    """The gRPC status of the pipeline's JSON error reply (a Connect error body, or a strict-mode violation)."""
    body: Mapping[str, Any] = reply.body if isinstance(reply.body, dict) else {}
    code = GRPC_CODE_OF_CONNECT.get(str(body.get("code")), GRPC_CODE_OF_HTTP.get(reply.status, 2))
    message = str(body.get("message") or body.get("error") or "")
    details = [
        {"@type": f"type.googleapis.com/{item['type']}", "value": _unpadded_b64(item["value"])}
        for item in body.get("details") or ()
        if isinstance(item, dict) and "type" in item and "value" in item
    ]
    status = _status_bytes(code, message, details)
    return GrpcStatus(code, message, status)


def _unpadded_b64(value: str) -> bytes:
    return base64.b64decode(value + "=" * (-len(value) % 4))


def _status_bytes(code: int, message: str, details: list[dict[str, Any]]) -> bytes:
    # Generated classes have no stubs: set fields after construction, which any version of types-protobuf accepts.
    status: Any = protos.message_class("google.rpc.Status")()
    status.code = code
    status.message = message
    for item in details:
        any_message = status.details.add()
        any_message.type_url = item["@type"]
        any_message.value = item["value"]
    return bytes(status.SerializeToString())


# Connect, binary ------------------------------------------------------------------------------------------------
def _connect_proto_decode(operation: Operation, raw: RawRequest) -> RawRequest:
    return _as_json(raw, _decode_proto(operation, raw.body))


def _connect_proto_encode(operation: Operation, reply: Reply) -> Reply:
    if reply.status != 200:
        return reply  # Connect unary errors are JSON whatever the codec
    return Reply(200, _encode_proto(operation, reply.body), reply.headers, "application/proto")


CONNECT_PROTO = Wire(_connect_proto_decode, _connect_proto_encode)


# gRPC (the message bytes; the gRPC server does the framing and the HTTP/2) --------------------------------------
def _grpc_decode(operation: Operation, raw: RawRequest) -> RawRequest:
    return _as_json(raw, _decode_proto(operation, raw.body))


def _grpc_encode(operation: Operation, reply: Reply) -> Reply:
    if reply.status == 200:
        return Reply(200, _encode_proto(operation, reply.body), {"grpc-status": "0"}, GRPC)
    return Reply(reply.status, None, grpc_status(reply).headers(), GRPC)


GRPC_MESSAGE = Wire(_grpc_decode, _grpc_encode)


# gRPC-web: length-prefixed frames in the body, trailers in a last frame (or in the headers when nothing else is sent)
def frames(data: bytes) -> list[tuple[int, bytes]]:
    """(flags, payload) of each length-prefixed gRPC-web frame."""
    found = []
    position = 0
    while position < len(data):
        if len(data) - position < 5:
            raise ApiError(Kind.MALFORMED, "grpc-web: truncated frame header")
        flags, length = struct.unpack(">BI", data[position : position + 5])
        payload = data[position + 5 : position + 5 + length]
        if len(payload) != length:
            raise ApiError(Kind.MALFORMED, "grpc-web: truncated frame")
        found.append((flags, payload))
        position += 5 + length
    return found


def frame(payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(payload)) + payload


def trailer_frame(metadata: Mapping[str, str]) -> bytes:
    return frame("".join(f"{k}:{v}\r\n" for k, v in metadata.items()).encode(), _TRAILER)


@dataclass(frozen=True, slots=True)
class GrpcWeb:
    content_type: str
    json_payload: bool  # application/grpc-web+json
    text: bool  # application/grpc-web-text: the whole body is base64

    def decode(self, operation: Operation, raw: RawRequest) -> RawRequest:
        body = raw.body
        if self.text:
            try:
                body = base64.b64decode(body, validate=False)
            except ValueError:
                raise ApiError(Kind.MALFORMED, "grpc-web-text: the body is not base64") from None
        messages = [payload for flags, payload in frames(body) if not flags & _TRAILER]
        if len(messages) > 1:
            raise ApiError(Kind.INVALID, "grpc-web: a unary call takes one message")
        payload = messages[0] if messages else b""
        if self.json_payload:
            return _as_json(raw, payload or b"{}")
        return _as_json(raw, _decode_proto(operation, payload))

    def encode(self, operation: Operation, reply: Reply) -> Reply:
        if reply.status == 200:
            payload = json.dumps(reply.body).encode() if self.json_payload else _encode_proto(operation, reply.body)
            body = frame(payload) + trailer_frame({"grpc-status": "0", "grpc-message": ""})
            headers: dict[str, str] = {}
        else:
            body, headers = b"", grpc_status(reply).headers()  # trailers-only: the status travels in the headers
        if self.text:
            body = base64.b64encode(body)
        return Reply(200, body, {**reply.headers, **headers}, self.content_type)


def _grpc_web(content_type: str, *, json_payload: bool = False, text: bool = False) -> Wire:
    codec = GrpcWeb(content_type, json_payload, text)
    return Wire(codec.decode, codec.encode)


WIRES: dict[str, Wire] = {
    "application/proto": CONNECT_PROTO,
    GRPC: GRPC_MESSAGE,
    "application/grpc+proto": GRPC_MESSAGE,
    "application/grpc-web": _grpc_web("application/grpc-web+proto"),
    "application/grpc-web+proto": _grpc_web("application/grpc-web+proto"),
    "application/grpc-web+json": _grpc_web("application/grpc-web+json", json_payload=True),
    "application/grpc-web-text": _grpc_web("application/grpc-web-text+proto", text=True),
    "application/grpc-web-text+proto": _grpc_web("application/grpc-web-text+proto", text=True),
}


def wire_for(operation: Operation, content_type: str | None) -> Wire | None:
    """The wire of a request to a Connect procedure with a binary or framed content type; None: the spec's JSON."""
    if not content_type or "x-rpc" not in operation.extensions or not operation.operation_id.startswith("connect"):
        return None
    return WIRES.get(media_type_of(content_type)[0] or "")
