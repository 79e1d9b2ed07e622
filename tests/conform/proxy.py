"""A small aiohttp reverse proxy that hides the mock's `/__admin`, so that conform sees a plain deployment."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from aiohttp import ClientSession, ClientTimeout, web
from yarl import URL

from resetkit.runner import free_port

# Hop-by-hop headers (RFC 9110 7.6.1) and the ones aiohttp sets itself for the body it sends.
NOT_FORWARDED = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
    "upgrade", "host", "content-length", "content-encoding",
}  # fmt: skip
SESSION = web.AppKey("session", ClientSession)


def proxy_app(upstream: str) -> web.Application:
    """Every request forwarded to `upstream` as it came, except any path under `/__admin`: a plain 404."""
    app = web.Application(client_max_size=2 * 1024 * 1024)

    async def session_context(app: web.Application) -> AsyncIterator[None]:
        app[SESSION] = ClientSession(timeout=ClientTimeout(total=60), auto_decompress=False)
        yield
        await app[SESSION].close()

    async def forward(request: web.Request) -> web.StreamResponse:
        if "/__admin" in request.raw_path or "/__admin" in request.path:
            return web.Response(status=404, text="not found")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
        body = await request.read()
        async with app[SESSION].request(
            request.method,
            URL(f"{upstream}{request.raw_path}", encoded=True),  # the path as it came, odd bytes included
            headers=headers,
            data=body or None,
            allow_redirects=False,
        ) as answer:
            content = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_FORWARDED}
            return web.Response(status=answer.status, headers=kept, body=content)

    app.cleanup_ctx.append(session_context)
    app.router.add_route("*", r"/{tail:[\s\S]*}", forward)  # any path, control characters included
    return app


@contextmanager
def hiding_admin(upstream: str) -> Iterator[str]:
    """The proxy on a free port, in a thread, for as long as the block runs; its root URL."""
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(proxy_app(upstream.rstrip("/")), access_log=None)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name=f"admin-hiding-proxy-{port}", daemon=True)
    thread.start()
    assert ready.wait(timeout=30), "the proxy did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
