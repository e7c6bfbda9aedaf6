"""`GET /metrics`: what the running server did, in Prometheus' text format.

One `Metrics` per server, on a registry of its own (never prometheus_client's global one, so
two servers in one process, as in the tests, count apart). It is the `Observer`
(`bot.core.observe`) the core and the dispatcher report commands and notice deliveries to;
the core itself never imports prometheus_client: it calls the port, and this module is the
only place that knows Prometheus.

What is measured, and where:
- `ogpbot_commands_total{platform,word,outcome}`: each command the core answered (the core);
- `ogpbot_ack_seconds{platform}`: how long Slack's or Teams' HTTP request waited for its
  answer (the `timing` middleware, around `/slack/events` and `/api/messages`);
- `ogpbot_answer_seconds{platform}`: from the request's arrival until the person had the
  reply (the platform adapter calls `answered()` when the reply is out);
- `ogpbot_http_responses_total{route,code}`: every HTTP answer, by route pattern;
- `ogpbot_notices_sent_total`, `ogpbot_notice_send_retries_total`,
  `ogpbot_notice_send_failures_total` `{platform}` and `ogpbot_notices_skipped_total`
  (the dispatcher); `ogpbot_notices{state}`: the outbox's open notices now (pending, waiting
  for a person, sending, failed), read from the store at each scrape;
- `ogpbot_store_write_seconds`: the time each transaction's journal write and fsync took;
- `ogpbot_store_conflicts_total`: transactions that collided with another (PostgreSQL's
  serialisation failures) and were run again;
- `ogpbot_inbox_depth`: requests acknowledged but not yet done, once the store has an inbox
  that can say (`Metrics.watch_inbox`); until then the metric is described without a value;
- the process's own (memory, CPU, open files, garbage collections).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.app.runtime import Runtime
from bot.core.notice import NoticeState
from bot.notices.outbox import Outbox

log = logging.getLogger("ogpbot.metrics")

# The platform endpoints whose answer time is the acknowledgement Slack and Teams wait for.
PLATFORM_ROUTES = {"/slack/events": "slack", "/api/messages": "teams"}
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
ANSWER_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)
WRITE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The server's metrics and the registry they are exposed from."""

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.commands = Counter("ogpbot_commands", "Commands the core answered.",
                                ["platform", "word", "outcome"], registry=r)
        self.ack = Histogram("ogpbot_ack_seconds",
                             "Time until Slack's or Teams' request had its HTTP answer.",
                             ["platform"], buckets=ACK_BUCKETS, registry=r)
        self.answer = Histogram("ogpbot_answer_seconds",
                                "Time from a request's arrival until its reply was out.",
                                ["platform"], buckets=ANSWER_BUCKETS, registry=r)
        self.http = Counter("ogpbot_http_responses", "HTTP answers, by route pattern and code.",
                            ["route", "code"], registry=r)
        self.sent = Counter("ogpbot_notices_sent", "Notices delivered.", ["platform"],
                            registry=r)
        self.retries = Counter("ogpbot_notice_send_retries",
                               "Notice sends that failed for now and will be tried again.",
                               ["platform"], registry=r)
        self.failures = Counter("ogpbot_notice_send_failures",
                                "Notices given up on (a permanent failure).", ["platform"],
                                registry=r)
        self.skipped = Counter("ogpbot_notices_skipped",
                               "Notices skipped: no longer useful, or nowhere to go.",
                               registry=r)
        self.store_write = Histogram("ogpbot_store_write_seconds",
                                     "Time one transaction took to reach the disk.",
                                     buckets=WRITE_BUCKETS, registry=r)
        self.conflicts = Counter("ogpbot_store_conflicts",
                                 "Transactions that collided with another and were run again.",
                                 registry=r)
        self._backlog = _Backlog(outbox)
        r.register(self._backlog)
        ProcessCollector(registry=r)
        r.register(GC_COLLECTOR)

    # -- the Observer port (bot.core.observe) -----------------------------------------------------

    def command(self, platform: str, word: str, outcome: str) -> None:
        self.commands.labels(platform, word, outcome).inc()

    def notice(self, event: str, platform: str) -> None:
        if event == "sent":
            self.sent.labels(platform).inc()
        elif event == "retried":
            self.retries.labels(platform).inc()
        elif event == "failed":
            self.failures.labels(platform).inc()
        elif event == "skipped":
            self.skipped.inc()

    # -- other sources --------------------------------------------------------------------------

    def watch_inbox(self, depth: Callable[[], int]) -> None:
        """Report `depth()` (requests acknowledged, not yet done) as `ogpbot_inbox_depth`."""
        self._backlog.inbox_depth = depth

    def text(self) -> bytes:
        """The exposition: blocking (it reads the store), so call it from a worker thread."""
        return generate_latest(self.registry)


class _Backlog(Collector):
    """Read at each scrape: the outbox's open notices by state, and the inbox's depth."""

    def __init__(self, outbox: Outbox | None) -> None:
        self.outbox = outbox
        self.inbox_depth: Callable[[], int] | None = None

    def collect(self) -> Iterator[Metric]:
        notices = GaugeMetricFamily("ogpbot_notices", "Open notices in the outbox, by state "
                                    "(pending: due now or later; waiting: for a person the bot "
                                    "cannot reach yet).", labels=["state"])
        if self.outbox is not None:
            try:
                pending = self.outbox.pending()
                waiting = sum(1 for n in pending if n.waiting)
                notices.add_metric(["pending"], len(pending) - waiting)
                notices.add_metric(["waiting"], waiting)
                for state in (NoticeState.SENDING, NoticeState.FAILED):
                    notices.add_metric([state.value], len(self.outbox.in_state(state)))
            except Exception:  # a scrape must answer even when the store does not
                log.warning("metrics: the outbox could not be read", exc_info=True)
        yield notices
        inbox = GaugeMetricFamily("ogpbot_inbox_depth",
                                  "Requests acknowledged to the platform but not yet done.")
        if self.inbox_depth is not None:
            try:
                inbox.add_metric([], self.inbox_depth())
            except Exception:
                log.warning("metrics: the inbox could not be read", exc_info=True)
        yield inbox


@dataclass(frozen=True)
class _Arrival:
    metrics: Metrics
    platform: str
    began: float


_ARRIVAL: ContextVar[_Arrival | None] = ContextVar("ogpbot_arrival", default=None)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)


def answered() -> None:
    """The person has the reply to the request being worked on: count the time since it came
    in as its answer time. Called by a platform adapter when the reply is out; a no-op outside
    a platform request (the shell, a notice)."""
    arrival = _ARRIVAL.get()
    if arrival is not None:
        arrival.metrics.answer.labels(arrival.platform).observe(
            time.perf_counter() - arrival.began)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def timing(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every answer by route and code; time the platforms' acknowledgements, and note
    when a platform request arrived, for `answered()` in the work it sets off."""
    metrics = request.app.get(METRICS)
    if metrics is None:
        return await handler(request)
    platform = PLATFORM_ROUTES.get(request.path)
    began = time.perf_counter()
    token = _ARRIVAL.set(_Arrival(metrics, platform, began)) if platform else None
    code = 500
    try:
        response = await handler(request)
        code = response.status
        return response
    except web.HTTPException as exc:
        code = exc.status
        raise
    finally:
        if token is not None:
            _ARRIVAL.reset(token)
        if platform:
            metrics.ack.labels(platform).observe(time.perf_counter() - began)
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        metrics.http.labels(route, str(code)).inc()


def install(app: web.Application, runtime: Runtime) -> Metrics:
    """Metrics for this server: the core and the store report to it, `GET /metrics` shows it."""
    metrics = Metrics(runtime.bot.outbox)
    app[METRICS] = metrics
    runtime.bot.observer = metrics
    observe_writes = getattr(runtime.store, "observe_writes", None)
    if callable(observe_writes):
        observe_writes(metrics.store_write.observe)
    observe_conflicts = getattr(runtime.store, "observe_conflicts", None)
    if callable(observe_conflicts):
        observe_conflicts(metrics.conflicts.inc)
    app.router.add_get("/metrics", page)
    return metrics


async def page(request: web.Request) -> web.Response:
    body = await asyncio.to_thread(request.app[METRICS].text)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
