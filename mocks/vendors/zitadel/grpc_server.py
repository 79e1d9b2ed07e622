"""gRPC over HTTP/2 (h2c) for ZITADEL's official clients (`createServerTransport` of @zitadel/client/node): grpcio's
`grpc.aio` server on the mock's own asyncio loop. It listens on a loopback port the HTTP port hands its HTTP/2
connections to (`mocks/h2c.py`: one port for every wire, like ZITADEL), and on `--grpc-port` when one is given. Each
RPC runs the Connect operation's pipeline through the `application/grpc` wire (wires.py); auth comes from the
`authorization: Bearer` metadata, errors are a gRPC status with `zitadel.v1.ErrorDetail` in `grpc-status-details-bin`.
Methods are found under the vendor's mount too (`/zitadel/zitadel.user.v2.UserService/...`), so a client given the
HTTP base URL of a mock serving every vendor reaches them. grpcio is imported only when this starts.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ...openapi.spec import VendorSpec
from ...openapi.validation import RawRequest
from ...settings import Settings
from ..base import Dispatch, RunningTransport, Transport
from . import protos
from .instance import NAME
from .wires import GRPC


class Metadata(Mapping[str, str]):
    """gRPC invocation metadata as the pipeline's case-insensitive headers (binary `-bin` entries left out)."""

    def __init__(self, pairs: Any) -> None:
        self._values = {str(k).lower(): v for k, v in pairs or () if isinstance(v, str)}

    def __getitem__(self, key: str) -> str:
        return self._values[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@dataclass
class RunningGrpc:
    server: Any
    endpoints: Mapping[str, str]
    h2c_upstream: tuple[str, int] | None

    async def stop(self) -> None:
        await self.server.stop(grace=None)


def _connect_operations(spec: VendorSpec) -> dict[str, str]:
    """RPC path -> the Connect operation that implements it (the spec's `x-rpc`)."""
    return {
        operation.extensions["x-rpc"]: operation.operation_id
        for operation in spec
        if operation.operation_id.startswith("connect") and "x-rpc" in operation.extensions
    }


async def start(settings: Settings, spec: VendorSpec, dispatch: Dispatch) -> RunningTransport | None:
    """Serve every RPC of protos.rpcs() that has an operation; None when gRPC is off (no port and not on HTTP's)."""
    if settings.grpc_port is None and not settings.grpc_on_http_port:
        return None
    grpc = await asyncio.to_thread(importlib.import_module, "grpc")  # about 0.1 s: off the loop, after HTTP is up
    await asyncio.to_thread(importlib.import_module, "grpc.aio")
    status_codes = {code.value[0]: code for code in grpc.StatusCode}
    operations = _connect_operations(spec)
    mount = settings.prefix(NAME)

    def behaviour(path: str) -> Any:
        operation_id = operations[path]
        journaled = f"{mount}{path}"  # as the journal and /__admin/journal?vendor= see every other request

        async def unary(request: bytes, context: Any) -> bytes:
            raw = RawRequest({}, {}, Metadata(context.invocation_metadata()), GRPC, request)
            answer = await dispatch(operation_id, raw, journaled)
            if answer.dropped:  # an injected dropped connection: what a client sees when the server goes away
                await context.abort(grpc.StatusCode.UNAVAILABLE, "connection dropped (injected by resetkit)")
            code = int(answer.headers.get("grpc-status", "0"))
            if code != 0:
                details = answer.headers.get("grpc-status-details-bin", "")
                trailing = (("grpc-status-details-bin", base64.b64decode(details + "=" * (-len(details) % 4))),)
                message = unquote(answer.headers.get("grpc-message", ""))
                await context.abort(status_codes.get(code, grpc.StatusCode.UNKNOWN), message, trailing)
            assert isinstance(answer.body, bytes)
            return answer.body

        return grpc.unary_unary_rpc_method_handler(unary)

    methods = {path: behaviour(path) for path in protos.rpcs() if path in operations}
    methods |= {f"{mount}{path}": handler for path, handler in methods.items()}

    class Methods(grpc.GenericRpcHandler):  # type: ignore[misc,name-defined]  # grpc is imported at run time
        def service(self, handler_call_details: Any) -> Any:
            return methods.get(handler_call_details.method)

    server = grpc.aio.server()
    server.add_generic_rpc_handlers([Methods()])
    endpoints: dict[str, str] = {}
    upstream = None
    if settings.grpc_on_http_port:
        upstream = ("127.0.0.1", server.add_insecure_port("127.0.0.1:0"))
        endpoints["grpc_url"] = f"{settings.base_url}{mount}"
    if settings.grpc_port is not None:  # asked for explicitly: the URL clients are given
        host = settings.host
        endpoints["grpc_url"] = f"http://{host}:{server.add_insecure_port(f'{host}:{settings.grpc_port}')}"
    await server.start()
    return RunningGrpc(server, endpoints, upstream)


GRPC_TRANSPORT = Transport(name="grpc", start=start)
