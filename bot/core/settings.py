"""The process's settings from the environment (see docs/usage.md): the store, the seminar
file, the public address, the log format and the test clock. Each platform's settings (Slack's
tokens, the Microsoft app's password, ...) are its adapter's (`adapters/slack/settings.py`,
`adapters/teams/settings.py`), read from the same environment, which `env` keeps for them; it
never appears in `repr`, nor does anything secret."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_DB = "var/ogpbot.json"
DEFAULT_SEMINAR = "data/seminar.toml"


@dataclass(frozen=True)
class Settings:
    db: str = field(default=DEFAULT_DB, repr=False)  # a database address may hold a password
    seminar: str = DEFAULT_SEMINAR
    public_url: str = ""  # where people reach the server (links to the record, calendar files)
    log_format: str = "text"  # text | json (one object a line, with the request id)
    # OGPBOT_TEST_CLOCK, for tests only: the clock starts at this moment (ISO 8601, with its
    # offset), optionally `@SPEED`, and `POST /test/clock` moves it (adapters/clockwork.py)
    test_clock: str = ""
    # the environment these were read from: the adapters read their own settings from it
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            db=env.get("OGPBOT_DB", "") or DEFAULT_DB,
            seminar=env.get("OGPBOT_SEMINAR", "") or DEFAULT_SEMINAR,
            public_url=env.get("OGPBOT_PUBLIC_URL", "").rstrip("/"),
            log_format=(env.get("OGPBOT_LOG_FORMAT", "") or "text").strip().lower(),
            test_clock=env.get("OGPBOT_TEST_CLOCK", "").strip(),
            env=dict(env),
        )
