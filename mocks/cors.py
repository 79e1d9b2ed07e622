"""CORS on every route, so that a page on another origin can call the mock (`--cors-origin` narrows who may,
`--no-cors` turns it off): preflights are answered before validation and auth, every response names the origin.
The vendors answer any origin by default (they hold only the mock's fake accounts); `/__admin` only loopback origins
and `--cors-origin` ones (`guard.admin_origin_check`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from .guard import OriginCheck, admin_origin_check, is_admin_path
from .settings import Settings

# What a browser script may read besides the CORS-safelisted headers: limits, redirects, auth challenges, Connect and
# gRPC-web status (connectrpc.com/cors).
CORS_EXPOSED = ", ".join(
    (
        "Retry-After",
        "Location",
        "WWW-Authenticate",
        "Allow",
        "Accept-Post",
        "Grpc-Status",
        "Grpc-Message",
        "Grpc-Status-Details-Bin",
    )
)
PREFLIGHT_MAX_AGE = "600"


def origin_check(settings: Settings) -> OriginCheck:
    """Whether a request's Origin gets CORS headers on a vendor route: any origin, or only the `--cors-origin` ones."""
    allowed = frozenset(origin.rstrip("/") for origin in settings.cors_origins)
    if not allowed:
        return lambda origin: origin is not None
    return lambda origin: origin in allowed


def path_origin_check(settings: Settings) -> Callable[[str, str | None], bool]:
    """(path, Origin) -> whether that origin gets CORS there: the admin rule on `/__admin`, the vendors' elsewhere."""
    vendor_allows, admin_allows = origin_check(settings), admin_origin_check(settings)
    return lambda path, origin: admin_allows(origin) if is_admin_path(path) else vendor_allows(origin)


def preflight(headers: Mapping[str, str]) -> web.Response:
    """204 allowing the requested method and headers; the origin headers are added like on every response."""
    allow = {
        "Access-Control-Allow-Methods": headers["Access-Control-Request-Method"],
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        "Vary": "Access-Control-Request-Method, Access-Control-Request-Headers",
    }
    if "Access-Control-Request-Headers" in headers:
        allow["Access-Control-Allow-Headers"] = headers["Access-Control-Request-Headers"]
    if headers.get("Access-Control-Request-Private-Network") == "true":
        # A public page calling the mock on localhost; only ever asked of an origin that passed the path's check.
        allow["Access-Control-Allow-Private-Network"] = "true"
    return web.Response(status=204, headers=allow)


def make_cors_headers(settings: Settings) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An `on_response_prepare` hook: every response (streams and preflights too) gets its CORS headers."""
    allows = path_origin_check(settings)

    async def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        origin = request.headers.get("Origin")
        if origin is not None and allows(request.path, origin):
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Credentials"] = "true"
            headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
        vary = headers.get("Vary")
        headers["Vary"] = f"{vary}, Origin" if vary else "Origin"

    return add_cors_headers
