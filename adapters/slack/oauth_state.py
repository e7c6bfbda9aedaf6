"""The `state` of Slack's OAuth flow, kept in ogpbot's own store (`AsyncOAuthStateStore`):
`/slack/install` issues one, unguessable, for each visit, and `/slack/oauth_redirect` takes it
back once, within ten minutes, before it lets Slack's `code` install anything. With bolt's
cookie beside it (the same browser must come back), a link someone else started cannot be
used to install the bot for them. Several replicas share the states through the store;
"now" is the process's injected clock.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.core.clock import Clock
from bot.store.contract import Store

STATES = "slack_oauth_states"
LIFE = 600  # seconds a state is good for, as Slack's own examples keep it

log = logging.getLogger("ogpbot.slack")


class StoreStates(AsyncOAuthStateStore):
    def __init__(self, store: Store, clock: Clock, life: int = LIFE) -> None:
        self.store = store
        self.clock = clock
        self.life = life

    @property
    def logger(self) -> logging.Logger:
        return log

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        return await asyncio.to_thread(self.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.consume, state)

    def issue(self) -> str:
        """A new state, good for `life` seconds; the states run out meanwhile go."""
        state = secrets.token_urlsafe(32)
        now = self._now()

        def issue() -> None:
            for key, doc in self.store.items(STATES):
                if float(doc.get("expires_at") or 0) <= now:
                    self.store.delete(STATES, key)
            self.store.put(STATES, state, {"expires_at": now + self.life})

        self.store.atomically(issue)
        return state

    def consume(self, state: str) -> bool:
        """Whether `state` was issued and is still good; either way it is good no more."""
        if not isinstance(state, str) or not state:
            return False
        now = self._now()

        def consume() -> bool:
            doc = self.store.get(STATES, state)
            if doc is None:
                return False
            self.store.delete(STATES, state)
            return float(doc.get("expires_at") or 0) > now

        return self.store.atomically(consume)
