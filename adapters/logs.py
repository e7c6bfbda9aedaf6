"""How `ogpbot` writes its log: plain text lines (`OGPBOT_LOG_FORMAT=text`, the default) or one
JSON object a line (`json`), for a log collector. Every line carries the request id of the
command it belongs to (`bot.core.tracing`): `request_ids` gives each HTTP request a new one, and
the dispatcher puts a notice's own back while it sends it.

The id is always made here, never taken from the request (nothing a request says is trusted
before it is authenticated); it is sent back as the `X-Request-Id` response header, so a reverse
proxy can write it into its own access log beside the address and the time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TextIO

from aiohttp import web

from bot.core.tracing import current_request_id, new_request_id, request_id

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HEADER = "X-Request-Id"


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the request id
    when there is one, and the exception's traceback as text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            doc["request_id"] = rid
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


class _RequestIdFilter(logging.Filter):
    """Stamps each record with the request id of the context it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def configure(fmt: str, level: int, stream: TextIO | None = None) -> None:
    """Send every logger's records to `stream` (stderr) in `fmt` (`text` or `json`)."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"unknown log format {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request a new id for everything it sets off (its log lines, the work after its
    acknowledgement, the notices it schedules) and send the id back in `X-Request-Id`."""
    rid = new_request_id()
    with request_id(rid):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[HEADER] = rid
            raise
    response.headers[HEADER] = rid
    return response
