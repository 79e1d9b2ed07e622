"""The ceiling: a bare aiohttp handler that parses the same JSON and returns the same body as the mock."""

from __future__ import annotations

import json
import sys

from aiohttp import web

BODY = json.dumps({"Status": "Success", "Message": "Reset link sent successfully"}, separators=(",", ":"))


async def forgot(request: web.Request) -> web.Response:
    await request.json()
    return web.Response(text=BODY, content_type="application/json")


def main() -> None:
    app = web.Application()
    app.router.add_post("/{tail:.*}", forgot)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
