"""The public web side of the bot's server: the record of inputs (`GET /`, `GET /proposals/P-N`
and the same as JSON under `/api/proposals`), the action plan (`GET /plan`, `/api/plan`) and
the accessibility statement (`GET /accessibility`), drawn by the Jinja2 templates in
`templates/` from a snapshot of the record that is made anew after writes, in the reader's
language (`?lang=`, else the browser's `Accept-Language`, else the seminar's); and the
meetings' calendar files (`GET /meetings/P-N/TOKEN.ics`).

    routes.py    the record's handlers: query string in, an answer of the served snapshot out
    served.py    the snapshot requests read, its refresher, the answers drawn from it
    pages.py     the Jinja2 environment and one function per page
    calendar_route.py  the calendar files
"""

from __future__ import annotations

from aiohttp import web

from adapters.server import MESSAGE_PAGE
from adapters.web import calendar_route, routes
from adapters.web.pages import message_page
from adapters.web.served import ServedRecord
from bot.app.runtime import Runtime
from bot.record.live import LiveRecord

SERVED: web.AppKey[ServedRecord] = web.AppKey("served_record", ServedRecord)


def mount(app: web.Application, runtime: Runtime) -> str:
    served = ServedRecord(LiveRecord(runtime.seminar, runtime.bot.records, runtime.clock))
    app[SERVED] = served
    routes.add_routes(app, routes.RecordRoutes(served, runtime.seminar))
    calendar_route.add_routes(app, runtime)
    app[MESSAGE_PAGE] = lambda lang, heading, lines, action: message_page(
        runtime.seminar, lang, heading, lines, action)

    async def start(app: web.Application) -> None:
        await served.start()

    async def stop(app: web.Application) -> None:
        await served.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return ("public record: on (/, /plan, /accessibility, /api/proposals and /api/plan; "
            "calendar files under /meetings)")
