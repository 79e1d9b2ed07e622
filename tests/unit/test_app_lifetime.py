"""A stopped app leaves nothing behind, so a process that makes many (a test session) does not keep every one's env,
specs and store alive."""

from __future__ import annotations

import gc
import weakref

from aiohttp.test_utils import TestClient, TestServer

from resetkit.app import create_app
from resetkit.settings import Settings


async def test_a_stopped_app_is_freed_after_serving_requests() -> None:
    app = create_app(Settings(accounts=1, vendors=("zitadel",)))
    freed = weakref.ref(app)
    async with TestClient(TestServer(app)) as client:
        async with client.get("/__admin/health") as response:  # aiohttp memoizes the route's middleware chain
            assert response.status == 200
    del app, client, response
    gc.collect()
    assert freed() is None
