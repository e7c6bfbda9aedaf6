"""What the log says about people: a seminar's day through the Slack adapter (a proposal by
someone off the roster, a bilateral meeting, DMs that fail for a while or for good, a profile
that cannot be read), with every log line captured at INFO (ogpbot's own at DEBUG too). No line
names an e-mail address or a person's name; people appear by a short stand-in instead."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.seminar import load_seminar
from tests.adapters.slack.conftest import INGRID, KARI, PEOPLE, SEMINAR, Workspace
from tests.cast import NOBODY, SOLVEIG

pytestmark = pytest.mark.asyncio(loop_scope="module")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PROPOSAL = ("propose Åpne møtelogger | Ingen ser hvem som møtes | Publiser loggene | "
            "transparency | innsyn | jd")


async def logged(caplog: pytest.LogCaptureFixture, *parts: str, within: float = 30.0) -> None:
    """Wait until every one of `parts` is in some captured line."""
    deadline = time.monotonic() + within
    while not all(any(p in r.getMessage() for r in caplog.records) for p in parts):
        assert time.monotonic() < deadline, f"never logged: {parts}"
        await asyncio.sleep(0.05)


async def test_the_log_names_no_email_and_no_person(workspace: Workspace,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="ogpbot")
    fake = workspace.fake
    fake.add_user(SOLVEIG.slack_id, email=SOLVEIG.email, real_name=SOLVEIG.name,
                  locale=SOLVEIG.locale)
    # Ingrid's DMs fail for a while (retried), Solveig's for good; nobody else can be looked up.
    fake.fail_channel(fake.dm_channel(INGRID.slack_id), "internal_error")
    fake.fail_channel(SOLVEIG.slack_id, "messages_tab_disabled")
    fake.fail_method("users.lookupByEmail", "fatal_error")
    fake.fail_method("users.info", "internal_error", count=1)

    answer, _ = await workspace.command("help", NOBODY)
    assert answer.status == 200
    await workspace.command("channel here", KARI)
    _, rid = await workspace.command(PROPOSAL, SOLVEIG)
    assert "P-1" in str(await workspace.responses(rid))
    # the coordinator's and the ministry's digests of new proposals fall due
    workspace.runtime.clock.advance(timedelta(minutes=10))
    await workspace.command("outcome P-1 bilateral", KARI)
    _, rid = await workspace.command("meet P-1 2026-11-25 10:00 Rom 2", INGRID)
    await workspace.responses(rid)
    await logged(caplog, "will retry digest:P-1", "could not deliver meeting:P-1",
                 "users.info for", "looking up a person by email failed")

    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert [m.group(0) for m in EMAIL.finditer(text)] == []
    names = {p.name for p in load_seminar(Path(SEMINAR)).people}
    names |= {SOLVEIG.name, *(p.email.split("@")[0] for p in PEOPLE)}
    named = sorted(n for n in names if n.casefold() in text.casefold())
    assert named == []
    # nor their Slack ids in a DM line
    assert SOLVEIG.slack_id not in text and INGRID.slack_id not in text
