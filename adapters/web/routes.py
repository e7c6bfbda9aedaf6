"""The public record's routes: `GET /` (the record of inputs, with filters), `GET /proposals/P-N`
(one proposal), `GET /plan` (the action plan), and the same as JSON under `/api/proposals`
and `/api/plan`.

Every answer comes from the served snapshot (`adapters.web.served`), never from the store. A
malformed number or filter is a 400, an unknown proposal a 404: never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from adapters.web.documents import Documents
from adapters.web.pages import (
    Rows,
    accessibility_page,
    error_page,
    index_page,
    plan_page,
    proposal_page,
)
from adapters.web.served import Answer, ServedRecord
from bot.core.seminar import Seminar
from bot.record.plan_view import plan_json
from bot.record.public import (
    Filters,
    RecordError,
    Snapshot,
    error_json,
    language,
    parse_ref,
)

HTML = "text/html"
JSON = "application/json"
CACHE = {"Cache-Control": "no-cache"}


def _html(body: str, status: int = 200) -> Answer:
    return Answer.of(status, HTML, body.encode("utf-8"))


def _json(doc: dict[str, Any] | str, status: int = 200) -> Answer:
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
    return Answer.of(status, JSON, text.encode("utf-8"))


def _respond(request: web.Request, answer: Answer) -> web.Response:
    """The answer as a response: 304 when the reader has it already (If-None-Match), gzipped
    when the reader takes gzip."""
    # a page's language may come from Accept-Language: a cache must keep one per language
    headers = {**CACHE, "ETag": answer.etag, "Vary": "Accept-Encoding, Accept-Language"}
    if answer.status == 200 and _has(request.headers.get("If-None-Match", ""), answer.etag):
        return web.Response(status=304, headers=headers)
    body = answer.body
    if answer.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = answer.gzipped
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=body, status=answer.status, content_type=answer.content_type,
                        charset="utf-8", headers=headers)


def _has(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weakly compared, as RFC 9110 asks)."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


class RecordRoutes:
    """The record's request handlers, over one served record."""

    def __init__(self, served: ServedRecord, seminar: Seminar) -> None:
        self.served = served
        self.seminar = seminar
        self.rows = Rows()
        self.documents = Documents()

    def _lang(self, request: web.Request) -> str:
        return language(request.query, self.seminar,
                        request.headers.get("Accept-Language", ""))

    async def index(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            filters = Filters.parse(request.query, self.seminar, lang)
        except RecordError as error:
            problem = error
            return _respond(request, await self.served.answer_once(
                lambda snap: _html(index_page(snap, Filters(), lang, problem, self.rows),
                                   problem.status)))
        return _respond(request, await self.served.answer(
            ("index", lang, filters),
            lambda snap: _html(index_page(snap, filters, lang, rows=self.rows))))

    async def proposal(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            number = parse_ref(request.match_info["ref"], lang)
        except RecordError as error:
            return _respond(request, _html(error_page(self.seminar, lang, error), error.status))

        def draw(snap: Snapshot) -> Answer:
            try:
                return _html(proposal_page(snap, snap.find(number, lang), lang))
            except RecordError as error:
                return _html(error_page(snap.seminar, lang, error), error.status)

        return _respond(request, await self._one(number, ("proposal", lang, number), draw))

    async def api_list(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            filters = Filters.parse(request.query, self.seminar, lang)
        except RecordError as error:
            return _respond(request, _json(error_json(error), error.status))
        return _respond(request, await self.served.answer(
            ("api", lang, filters),
            lambda snap: _json(self.documents.listing(snap, filters, lang))))

    async def api_one(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        try:
            number = parse_ref(request.match_info["ref"], lang)
        except RecordError as error:
            return _respond(request, _json(error_json(error), error.status))

        def draw(snap: Snapshot) -> Answer:
            try:
                return _json(self.documents.one(snap, snap.find(number, lang), lang))
            except RecordError as error:
                return _json(error_json(error), error.status)

        return _respond(request, await self._one(number, ("api_one", lang, number), draw))

    async def plan(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        return _respond(request, await self.served.answer(
            ("plan", lang), lambda snap: _html(plan_page(snap, lang))))

    async def accessibility(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        return _respond(request, await self.served.answer(
            ("accessibility", lang), lambda snap: _html(accessibility_page(snap.seminar, lang))))

    async def api_plan(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        return _respond(request, await self.served.answer(
            ("api_plan", lang), lambda snap: _json(plan_json(snap, lang))))

    async def _one(self, number: int, key: tuple[str, str, int],
                   draw: Callable[[Snapshot], Answer]) -> Answer:
        """One proposal's answer: kept when the proposal exists (a number no proposal has is
        whatever a request says, and is drawn without keeping)."""
        snap = await self.served.snapshot()
        if snap.get(number) is None:
            return draw(snap)  # a short "not found": cheap enough to draw on the spot
        return await self.served.answer(key, draw)


def add_routes(app: web.Application, routes: RecordRoutes) -> None:
    app.router.add_get("/", routes.index)
    app.router.add_get("/proposals/{ref}", routes.proposal)
    app.router.add_get("/api/proposals", routes.api_list)
    app.router.add_get("/api/proposals/{ref}", routes.api_one)
    app.router.add_get("/plan", routes.plan)
    app.router.add_get("/api/plan", routes.api_plan)
    app.router.add_get("/accessibility", routes.accessibility)
