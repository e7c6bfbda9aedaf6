"""`GET /meetings/P-N/TOKEN.ics`: a bilateral meeting's calendar file, at the address its
invitation DMs carry. The token is one of the meeting's people's own secret (made by `meet`,
new with each version), so the address cannot be guessed or counted through, and the file is
in the language that person reads when it is fetched; a token the meeting's people shared
(a meeting from before each had their own) still answers, in the seminar's language. A wrong
or old token, a meeting whose proposal was decided after it was held, and every other address
under `/meetings` are all the same 404, which says nothing about whether the meeting exists.
A meeting called off (decided or withdrawn before it) answers with its cancellation.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.app.runtime import Runtime
from bot.core.model import proposal_number
from bot.notices.meeting_calendar import FILE_MIME, meeting_file, reader

ROUTE = r"/meetings/{ref:P-[1-9][0-9]{0,6}}/{token:[A-Za-z0-9_-]{16,64}}.ics"
NOT_FOUND = "no such meeting\n"


class CalendarFiles:
    """The calendar route, over one runtime's records."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def file(self, request: web.Request) -> web.Response:
        number = proposal_number(request.match_info["ref"])
        token = request.match_info["token"]
        if number is None:
            raise web.HTTPNotFound(text=NOT_FOUND)
        found = await asyncio.to_thread(self._load, number, token)
        if found is None:
            raise web.HTTPNotFound(text=NOT_FOUND)
        name, body = found
        return web.Response(body=body, headers={
            "Content-Type": f"{FILE_MIME}; charset=utf-8",
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "no-store",
        })

    def _load(self, number: int, token: str) -> tuple[str, bytes] | None:
        """The file's name and content, or None (a blocking read: run in a worker thread)."""
        records = self.runtime.bot.records
        meeting = records.meeting(number)
        whose = reader(meeting, token) if meeting is not None else None
        if whose is None:
            return None
        seminar = self.runtime.seminar.language
        person = records.person(whose) if whose else None
        lang = person.speaks(seminar) if person is not None else seminar
        # a meeting called off (its proposal decided or withdrawn before it) answers with its
        # cancellation, for a calendar that fetches it; one decided after it was held: 404
        return meeting_file(self.runtime.bot, number, lang, self.runtime.clock.now())


def add_routes(app: web.Application, runtime: Runtime) -> None:
    app.router.add_get(ROUTE, CalendarFiles(runtime).file)
