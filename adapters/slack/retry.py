"""Outgoing calls that survive Slack's bad moments: a slack_sdk retry handler that waits out a
429 for as long as `Retry-After` says (when that is short) and backs off on any 5xx, and the
mapping of a failed call to the core's `DeliveryError`."""

from __future__ import annotations

import asyncio
import logging
import random

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.notices.port import DeliveryError

log = logging.getLogger("ogpbot.slack")

# Errors that no retry will cure: the message can never reach that place or person.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "users_not_found",
    "account_inactive", "user_disabled", "cannot_dm_bot", "user_not_visible", "restricted_action",
    "messages_tab_disabled", "no_permission", "missing_scope", "invalid_blocks", "msg_too_long",
    "no_text", "invalid_arguments", "team_access_not_granted", "ekm_access_denied",
})


def retry_after(response: HttpResponse | None) -> float | None:
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return None
    return None


class ProportionalJitter(Jitter):
    """Up to half the wait again, at random: retries from many tasks do not arrive together."""

    def recalculate(self, duration: float) -> float:
        return duration * (1.0 + random.random() / 2)


class SlackRetryHandler(AsyncRetryHandler):
    """Retries a 429 after its `Retry-After` (up to `max_wait` seconds; longer waits are left to
    the caller) and any 5xx with exponential backoff."""

    def __init__(self, max_retry_count: int = 3, backoff: float = 0.25,
                 max_wait: float = 5.0) -> None:
        super().__init__(max_retry_count, BackoffRetryIntervalCalculator(
            backoff_factor=backoff, jitter=ProportionalJitter()))
        self.max_wait = max_wait

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if response is None:
            return False
        if response.status_code == 429:
            wait = retry_after(response)
            return wait is None or wait <= self.max_wait
        return 500 <= response.status_code <= 599

    async def prepare_for_next_attempt_async(self, *, state: RetryState, request: HttpRequest,
                                             response: HttpResponse | None = None,
                                             error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        if response is not None and response.status_code == 429:
            wait = retry_after(response)
            await asyncio.sleep(1.0 if wait is None else wait)
        else:
            await asyncio.sleep(self.interval_calculator.calculate_sleep_duration(
                state.current_attempt))
        state.increment_current_attempt()


def retry_handlers() -> list[AsyncRetryHandler]:
    """What every Slack client of ogpbot retries: lost connections, 429s and 5xx."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2), SlackRetryHandler()]


def delivery_error(exc: BaseException) -> DeliveryError:
    """A failed Slack call as the dispatcher understands it: permanent or worth a later try."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        data = getattr(response, "data", None)
        error = data.get("error", "") if isinstance(data, dict) else ""
        if status == 429:
            headers = getattr(response, "headers", {}) or {}
            wait = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
            try:
                seconds = float(wait[0] if isinstance(wait, list) else wait) if wait else None
            except ValueError:
                seconds = None
            return DeliveryError("ratelimited", permanent=False, retry_after=seconds)
        if status >= 500:
            return DeliveryError(f"http_{status}" + (f" {error}" if error else ""),
                                 permanent=False)
        return DeliveryError(error or f"http_{status}", permanent=error in PERMANENT_ERRORS)
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return DeliveryError(f"network: {type(exc).__name__}", permanent=False)
    return DeliveryError(f"unexpected: {type(exc).__name__}", permanent=False)
