"""The public web side of the bot's server: the record of inputs (`GET /`, `GET /proposals/P-N`
and the same as JSON under `/api/proposals`), the action plan (`GET /plan`, `/api/plan`) and
the accessibility statement (`GET /accessibility`), drawn by the Jinja2 templates in
`templates/` from a snapshot of the record that is made anew after writes, in the reader's
language (`?lang=`, else the browser's `Accept-Language`, else the seminar's); and the
meetings' calendar files (`GET /meetings/P-N/TOKEN.ics`). An address nothing answers is the
record's 404 page, in the reader's language.

    routes.py    the record's handlers: query string in, an answer of the served snapshot out
    served.py    the snapshot requests read, its refresher, the answers drawn from it
    pages.py     the Jinja2 environment and one function per page
    calendar_route.py  the calendar files
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.server import MESSAGE_PAGE
from adapters.web import calendar_route, routes
from adapters.web.pages import error_page, message_page
from adapters.web.served import ServedRecord
from bot.app.runtime import Runtime
from bot.i18n.catalogue import t
from bot.record.live import LiveRecord
from bot.record.public import RecordError, language

# addresses whose 404 is not a page for a reader
OTHERS = ("/api/", "/meetings/", "/slack/", "/teams/", "/metrics", "/healthz",
          "/readyz")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SERVED: web.AppKey[ServedRecord] = web.AppKey("served_record", ServedRecord)


def mount(app: web.Application, runtime: Runtime) -> str:
    served = ServedRecord(LiveRecord(runtime.seminar, runtime.bot.records, runtime.clock))
    app[SERVED] = served
    routes.add_routes(app, routes.RecordRoutes(served, runtime.seminar))
    calendar_route.add_routes(app, runtime)
    app[MESSAGE_PAGE] = lambda lang, heading, lines, action: message_page(
        runtime.seminar, lang, heading, lines, action)

    @web.middleware
    async def no_such_page(request: web.Request, handler: Handler) -> web.StreamResponse:
        """An address nothing answers, asked for by a reader: the record's own 404 page in
        their language (the JSON, the calendar files and the platforms' endpoints keep
        theirs)."""
        try:
            return await handler(request)
        except web.HTTPNotFound:
            if request.method not in ("GET", "HEAD") or request.path.startswith(OTHERS):
                raise
            lang = language(request.query, runtime.seminar,
                            request.headers.get("Accept-Language", ""))
            page = error_page(runtime.seminar, lang,
                              RecordError(404, "no_page", t(lang, "record.no_page")))
            return web.Response(text=page, status=404, content_type="text/html",
                                headers={"Vary": "Accept-Language", "Cache-Control": "no-cache"})

    app.middlewares.append(no_such_page)

    async def start(app: web.Application) -> None:
        await served.start()

    async def stop(app: web.Application) -> None:
        await served.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return ("public record: on (/, /plan, /accessibility, /api/proposals and /api/plan; "
            "calendar files under /meetings)")
