"""The public record on the bot's server: `GET /` (the record of inputs, with filters),
`GET /proposals/P-N` (one proposal), and the same as JSON under `/api/proposals`.

Reads the store in a worker thread, so a file read never stalls the event loop; renders with
`bot.record.html_pages`. A malformed number or filter is a 400, an unknown proposal a 404:
never a 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.app.runtime import Runtime
from bot.record.html_pages import error_page, index_page, proposal_page
from bot.record.public import (
    Filters,
    RecordError,
    Snapshot,
    error_json,
    language,
    list_json,
    one_json,
    parse_ref,
    snapshot,
)

log = logging.getLogger("ogpbot.web")
HTML = "text/html"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


class _Record:
    """The record's request handlers, bound to one runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def _read(self, work: Callable[[Snapshot], Any]) -> Any:
        """Read a snapshot of the store in a worker thread and apply `work` to it there."""
        runtime = self.runtime

        def job() -> Any:
            snap = snapshot(runtime.seminar, runtime.bot.records, runtime.clock.now())
            return work(snap)

        return await asyncio.to_thread(job)

    def _lang(self, request: web.Request) -> str:
        return language(request.query, self.runtime.seminar)

    def _html(self, body: str, status: int = 200) -> web.Response:
        return web.Response(text=body, status=status, content_type=HTML, charset="utf-8",
                            headers=HEADERS)

    def _json(self, doc: dict[str, Any], status: int = 200) -> web.Response:
        return web.json_response(doc, status=status, headers=HEADERS, dumps=_dumps)

    async def index(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            filters = Filters.parse(request.query, self.runtime.seminar, lang)
        except RecordError as error:
            problem = error
            page = await self._read(lambda snap: index_page(snap, Filters(), lang, problem))
            return self._html(page, problem.status)
        return self._html(await self._read(lambda snap: index_page(snap, filters, lang)))

    async def proposal(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            number = parse_ref(request.match_info["ref"], lang)
            page = await self._read(lambda snap: proposal_page(snap, snap.find(number, lang),
                                                               lang))
        except RecordError as error:
            return self._html(error_page(self.runtime.seminar, lang, error), error.status)
        return self._html(page)

    async def api_list(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            filters = Filters.parse(request.query, self.runtime.seminar, lang)
        except RecordError as error:
            return self._json(error_json(error), error.status)
        return self._json(await self._read(lambda snap: list_json(snap, filters, lang)))

    async def api_one(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            number = parse_ref(request.match_info["ref"], lang)
            doc = await self._read(lambda snap: one_json(snap, snap.find(number, lang), lang))
        except RecordError as error:
            return self._json(error_json(error), error.status)
        return self._json(doc)


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)


def mount(app: web.Application, runtime: Runtime) -> str:
    record = _Record(runtime)
    app.router.add_get("/", record.index)
    app.router.add_get("/proposals/{ref}", record.proposal)
    app.router.add_get("/api/proposals", record.api_list)
    app.router.add_get("/api/proposals/{ref}", record.api_one)
    return "public record: on (/ and /api/proposals)"
