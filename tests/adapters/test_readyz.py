"""`GET /readyz` in the real aiohttp server: 200 while the store answers, the dispatcher runs
and the adapters that are on are mounted; 503 naming what is not ready; `/healthz` as before.
The store's failure is a fault injected at the store's edge (its read raises, as a disk error
would), everything else is the server as `serve` builds it."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.outbox_service import DISPATCHER
from adapters.server import build_app
from bot.app.runtime import Runtime
from bot.core.settings import Settings
from bot.store.memory import MemoryStore
from tests.notice_kit import Kit, oslo

pytestmark = pytest.mark.asyncio


class FailingStore(MemoryStore):
    """A store whose reads can be made to fail, as a broken disk would."""

    broken = False

    def all(self, collection: str) -> list[dict]:
        if self.broken:
            raise OSError(5, "Input/output error")
        return super().all(collection)


def _runtime() -> tuple[Runtime, FailingStore]:
    store = FailingStore()
    kit = Kit(oslo(2026, 11, 30, 12, 0), store=store)
    return Runtime(Settings(), kit.seminar, kit.store, kit.bot, kit.clock), store


async def test_ready_then_not_when_the_dispatcher_stops_or_the_store_fails() -> None:
    runtime, store = _runtime()
    app = build_app(runtime)
    async with TestClient(TestServer(app)) as client:
        answer = await client.get("/readyz")
        assert answer.status == 200
        body = await answer.json()
        assert body["status"] == "ready" and "notices" in body["on"]

        store.broken = True
        answer = await client.get("/readyz")
        assert answer.status == 503
        assert (await answer.json())["not_ready"] == {"store": "unreadable (OSError)"}
        assert (await client.get("/healthz")).status == 503  # as it always did
        store.broken = False

        await app[DISPATCHER].stop()
        answer = await client.get("/readyz")
        assert answer.status == 503
        assert (await answer.json())["not_ready"] == {
            "dispatcher": "stopped: notices are not being sent"}
        assert (await client.get("/healthz")).status == 200  # the process still reads its store
