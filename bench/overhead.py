"""`python bench/overhead.py`: what the mock's middleware (the guard, journal, CORS preflight check, request log
switch) and its response hooks (CORS headers) cost per request, in CPU time of this thread.

wrk figures swing by tens of percent on a shared machine; CPU time of a tight in-process loop (the best of several
rounds) does not, so this resolves differences of a microsecond. The handler is a stub returning a fixed response,
and the request looks like a matched one (operation, body and fault slot set as the endpoint sets them).
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from resetkit.aiohttp_adapter import ANSWERED, OPERATION
from resetkit.api import Reply, to_answer
from resetkit.app import create_app
from resetkit.env import create_env
from resetkit.settings import Settings

CALLS, ROUNDS = 20_000, 15
BODY = json.dumps({"Status": "Success", "Message": "Reset link sent successfully"})


async def handler(request: web.Request) -> web.Response:
    return web.Response(text=BODY, content_type="application/json")


def best(samples: list[float]) -> float:
    return min(samples) / CALLS * 1e6


async def main() -> None:
    settings = Settings(accounts=1)
    env = create_env(settings)
    app = create_app(settings, env=env)
    app.freeze()
    frame = app.middlewares[0]
    # A Host the guard lets through (a refused one would measure the refusal instead).
    headers = {"Authorization": "key", "Content-Type": "application/json", "Content-Length": "52"}
    headers["Host"] = "127.0.0.1:8080"
    request = make_mocked_request("POST", "/leadsquared/api/Authentication/SecureForgotPassword", headers, app=app)
    request[OPERATION] = env.specs["leadsquared"].operations["forgotPassword"]
    request[ANSWERED] = to_answer(Reply(200, json.loads(BODY)))  # the pipeline answered (and journaled) it
    alone, framed, hooked = [], [], []
    for _ in range(ROUNDS):
        started = time.thread_time()
        for _ in range(CALLS):
            await handler(request)
        alone.append(time.thread_time() - started)
        started = time.thread_time()
        for _ in range(CALLS):
            await frame(request, handler)
        framed.append(time.thread_time() - started)
        started = time.thread_time()
        for _ in range(CALLS):
            await app.on_response_prepare.send(request, await handler(request))
        hooked.append(time.thread_time() - started)
    middleware, hooks = best(framed) - best(alone), best(hooked) - best(alone)
    print(f"middleware {middleware:.2f} us, response hooks {hooks:.2f} us per request")


if __name__ == "__main__":
    asyncio.run(main())
