"""The record is served from a snapshot, not read from the store per request: readers do not
touch the store at all, a write shows on the pages shortly after it lands (read back on its
own, not with the whole record), a write that was rolled back never shows, and a crowd
asking for a page at once costs one drawing of it (a failed drawing is not kept). Also the
server's security headers where only the application can produce the case: a handler that
fails (500), and a server reached over plain http (no HSTS)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.web.served import Answer, ServedRecord
from bot.app.runtime import Runtime
from bot.core.model import HistoryEntry, Status
from bot.core.records import PROPOSALS
from bot.core.settings import Settings
from bot.record.live import LiveRecord
from bot.record.public import Snapshot
from bot.store.memory import MemoryStore
from tests.record.world import TI, make_runtime, parse_html, say, table_rows

pytestmark = pytest.mark.asyncio


class CountingStore(MemoryStore):
    """The in-memory store, counting the reads of proposals (the notice dispatcher, which runs
    beside the record, reads other collections)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def get(self, collection: str, key: str) -> Any:
        if collection == PROPOSALS:
            self.reads["get"] += 1
        return super().get(collection, key)

    def all(self, collection: str) -> Any:
        if collection == PROPOSALS:
            self.reads["all"] += 1
        return super().all(collection)

    def find(self, collection: str, **equals: Any) -> Any:
        if collection == PROPOSALS:
            self.reads["find"] += 1
        return super().find(collection, **equals)


async def until(check: Any, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_readers_never_touch_the_store_and_a_write_shows_soon_after() -> None:
    store = CountingStore()
    runtime = make_runtime(store)
    async with TestClient(TestServer(build_app(runtime))) as client:
        before = store.reads.copy()
        for _ in range(10):
            for path in ("/", "/?lang=en", "/?status=included", "/proposals/P-1",
                         "/api/proposals", "/api/proposals/P-8", "/proposals/P-99"):
                assert (await client.get(path)).status in (200, 404)
        assert store.reads == before

        say(runtime.bot, TI, "propose Åpne kommunebudsjetter | Lite innsyn | Publiser dem | "
                             "transparency | innsyn | jd")

        async def shown() -> bool:
            doc = parse_html(await (await client.get("/")).text())
            return [r[0] for r in table_rows(doc.one("table"))][-1] == "P-10"

        await until(shown)
        after = store.reads - before
        assert after["all"] == 0 and after["find"] == 0  # the new one was read on its own
        assert (await client.get("/proposals/P-10")).status == 200


async def test_a_rolled_back_write_never_shows() -> None:
    runtime = make_runtime()
    records = runtime.bot.records
    live = LiveRecord(runtime.seminar, records, runtime.clock)
    live.watch()
    first = live.refresh()
    assert not live.stale
    p1 = records.proposal(1)
    assert p1 is not None
    entry = HistoryEntry(runtime.clock.now(), "bot", "ogpbot", "presented", Status.PRESENTED)
    with pytest.raises(RuntimeError), records.transaction():
        records.save_proposal(p1.moved(Status.PRESENTED, entry))
        raise RuntimeError("the command failed after the write")
    assert live.stale
    again = live.refresh()
    assert again is not first and again.get(1) == first.get(1)
    assert again.get(1).status is Status.SUBMITTED  # type: ignore[union-attr]
    assert again.proposals[1:] == first.proposals[1:]  # the others were not read again
    assert all(a is b for a, b in zip(again.proposals[1:], first.proposals[1:], strict=True))
    live.unwatch()
    records.save_proposal(p1.moved(Status.PRESENTED, entry))
    assert not live.stale  # no longer listening


async def test_a_failing_handler_and_plain_http() -> None:
    runtime = make_runtime(populated=False)
    app = build_app(runtime)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app.router.add_get("/broken", broken)
    async with TestClient(TestServer(app)) as client:
        answer = await client.get("/broken")
        assert answer.status == 500
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in answer.headers  # no public URL

    https = Runtime(Settings(db=":memory:", public_url="https://ogp.example.org"),
                    runtime.seminar, runtime.store, runtime.bot, runtime.clock)
    plain = Runtime(Settings(db=":memory:", public_url="http://ogp.example.org"),
                    runtime.seminar, runtime.store, runtime.bot, runtime.clock)
    async with TestClient(TestServer(build_app(https))) as client:
        assert "max-age=" in (await client.get("/healthz")).headers["Strict-Transport-Security"]
    async with TestClient(TestServer(build_app(plain))) as client:
        assert "Strict-Transport-Security" not in (await client.get("/healthz")).headers


async def test_a_reader_gets_the_page_gzipped_and_a_304_for_what_it_has() -> None:
    runtime = make_runtime()
    async with TestClient(TestServer(build_app(runtime))) as client:
        plain = await client.get("/", headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers
        page, etag = await plain.read(), plain.headers["ETag"]
        zipped = await client.get("/", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert await zipped.read() == page  # the same page, unpacked
        same = await client.get("/", headers={"If-None-Match": etag})
        assert same.status == 304 and await same.read() == b""
        assert same.headers["X-Content-Type-Options"] == "nosniff"
        assert (await client.get("/?lang=en", headers={"If-None-Match": etag})).status == 200

        say(runtime.bot, TI, "withdraw P-2")

        async def changed() -> bool:
            return (await client.get("/", headers={"If-None-Match": etag})).status == 200

        await until(changed)
        assert 'id="row-P-2"' in await (await client.get("/?status=withdrawn")).text()
        listed = await (await client.get("/api/proposals")).json()
        assert [p["status"] for p in listed["proposals"]][:3] == [
            "submitted", "withdrawn", "in_discussion"]
        assert listed["count"] == listed["total"] == 9


async def test_a_crowd_asking_at_once_costs_one_drawing_and_a_failed_one_is_not_kept() -> None:
    runtime = make_runtime()
    served = ServedRecord(LiveRecord(runtime.seminar, runtime.bot.records, runtime.clock))
    await served.start()
    try:
        drawn: list[int] = []

        def draw(snap: Snapshot) -> Answer:
            drawn.append(len(snap.proposals))
            time.sleep(0.05)  # long enough for the whole crowd to ask meanwhile
            return Answer.of(200, "text/plain", b"nine proposals")

        answers = await asyncio.gather(*(served.answer("page", draw) for _ in range(50)))
        assert drawn == [9] and {a.body for a in answers} == {b"nine proposals"}

        def broken(snap: Snapshot) -> Answer:
            drawn.append(-1)
            raise ValueError("a bug in a page")

        results = await asyncio.gather(*(served.answer("broken", broken) for _ in range(5)),
                                       return_exceptions=True)
        assert all(isinstance(r, ValueError) for r in results) and drawn.count(-1) == 1
        with pytest.raises(ValueError):
            await served.answer("broken", broken)
        assert drawn.count(-1) == 2  # drawn again, not the failure kept
    finally:
        await served.stop()
