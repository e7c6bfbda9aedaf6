"""Retention: answered requests' keys go after `[retention] requests_days`, the bodies of sent
notices after `notices_days`, and the public record stays; `ogpbot check` names a bad value;
and `ogpbot serve` prunes by itself, on the store file a deployment has."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.retention import prune
from bot.core.command import Command, Place, Speaker
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from bot.core.seminar import SeminarError, parse_seminar
from bot.notices.outbox import OUTBOX
from bot.store.tinydb_file import TinyDBStore
from tests import cast
from tests.chat import CSO, LINE, SEMINAR_FILE, Chat
from tests.serving import ROOT, ServeProcess, clock_env, eventually


def _seminar_data(**retention: object) -> dict:
    data = tomllib.loads(SEMINAR_FILE.read_text("utf-8"))
    data["retention"] = retention
    return data


def test_the_seminar_file_sets_how_long_and_check_names_a_bad_value(tmp_path: Path) -> None:
    shipped = parse_seminar(tomllib.loads(SEMINAR_FILE.read_text("utf-8")))
    assert (shipped.requests_days, shipped.notices_days) == (7, 90)
    data = _seminar_data(requests_days=2)
    del data["retention"]["requests_days"]
    assert parse_seminar(data).notices_days == 90  # each key may be left out
    assert parse_seminar(_seminar_data(requests_days=2, notices_days=30)).requests_days == 2
    with pytest.raises(SeminarError) as caught:
        parse_seminar(_seminar_data(requests_days=0, notices_days="90", keep="forever"), "x")
    assert caught.value.problems == [
        "x: [retention]: unknown key 'keep' (allowed: notices_days, requests_days)",
        "x: [retention] requests_days: must be a whole number of at least 1",
        "x: [retention] notices_days: must be a whole number of at least 1",
    ]
    broken = tmp_path / "seminar.toml"
    broken.write_text(SEMINAR_FILE.read_text("utf-8").replace(
        "requests_days = 7", "requests_days = -1"), "utf-8")
    done = subprocess.run([sys.executable, "-m", "adapters.cli", "check", str(broken)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"{broken}: [retention] requests_days: must be a whole number of at least 1")


def _answered(chat: Chat, key: str, words: str = "help") -> Reply:
    speaker = Speaker("slack", cast.ANDERS.slack_id, email=CSO)
    return chat.bot.handle(Command(speaker, Place("slack", "D0ANDERS", is_direct=True),
                                   words=words, request_key=key))


def test_prune_lets_go_of_old_request_keys_and_notice_bodies_and_keeps_the_record() -> None:
    chat = Chat()
    assert _answered(chat, "event:old").ok
    number = chat.propose()  # notices to the coordinators and the ministry, with the title
    old_notices = {n.key for n in chat.bot.outbox.all()}
    for notice in chat.bot.outbox.all():
        chat.bot.outbox.save(notice.with_changes(state=NoticeState.SENT,
                                                 sent_at=chat.clock.now()))
    chat.clock.advance(timedelta(days=8))
    assert _answered(chat, "event:new").ok
    chat.bot.outbox.schedule(Notice("later", Target.to_person("roster:" + CSO),
                                    Reply(language="nb", title="Fortsatt her"),
                                    chat.clock.now(), "proposal"))

    first = prune(chat.bot, chat.clock.now())
    assert (first.requests, first.notices) == (1, 0)  # 8 days: past 7, not past 90
    assert chat.bot.records.seen_reply("event:old") is None
    assert chat.bot.records.seen_reply("event:new") is not None
    assert _answered(chat, "event:new").repeated  # a retry still changes nothing twice

    chat.clock.advance(timedelta(days=83))
    later = prune(chat.bot, chat.clock.now())
    assert later.notices == len(old_notices) and later.requests == 1
    for key in old_notices:
        kept = chat.bot.outbox.get(key)
        assert kept is not None and kept.state is NoticeState.SENT  # the delivery record stays
        # the words and what they were written from go (which message it was stays)
        assert kept.message is None or (kept.message.title is None and kept.message.lines == ())
        assert kept.say is not None and kept.say.message == "proposal.digest"
        assert kept.say.values == {}
    pending = chat.bot.outbox.get("later")
    assert pending is not None and pending.message.title == "Fortsatt her"  # not sent yet
    assert not chat.bot.outbox.schedule(Notice(  # the key still makes a second one a no-op
        next(iter(old_notices)), Target.to_person("x"), Reply(language="nb"),
        chat.clock.now(), "proposal"))
    assert prune(chat.bot, chat.clock.now()) == type(later)(0, 0)  # nothing twice
    proposal = chat.bot.records.proposal(int(number.removeprefix("P-")))
    assert proposal is not None and proposal.title.startswith("Åpent lobbyregister")
    assert LINE.split(" | ")[1] == proposal.problem


def test_serve_prunes_by_itself(tmp_path: Path) -> None:
    store_path = tmp_path / "ogpbot.json"
    long_ago = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
    chat = Chat(store=TinyDBStore(store_path), now=long_ago)
    chat.propose()
    assert _answered(chat, "event:long-ago").ok
    for notice in chat.bot.outbox.all():
        chat.bot.outbox.save(notice.with_changes(state=NoticeState.SENT,
                                                 sent_at=chat.clock.now()))
    sent = len(chat.bot.outbox.all())
    chat.store.close()

    server = ServeProcess({**os.environ, "OGPBOT_DB": str(store_path),
                           "OGPBOT_SEMINAR": str(SEMINAR_FILE),
                           **clock_env(long_ago + timedelta(days=100))}, tmp_path / "serve.log",
                          start_within=30.0)

    def pruned() -> bool:
        store = TinyDBStore(store_path, readonly=True)
        try:
            bodies = [d for d in store.all(OUTBOX) if d["state"] == "sent" and (
                (d.get("message") or {}).get("title") or (d.get("say") or {}).get("values"))]
            return store.get("seen_requests", "event:long-ago") is None and not bodies
        finally:
            store.close()

    async def run() -> None:
        await server.start()
        try:
            await eventually(pruned, within=30)
        finally:
            server.stop()

    asyncio.run(run())
    log = (tmp_path / "serve.log").read_text("utf-8")
    assert "retention: on (answered requests kept 7 days, notice bodies 90 days" in log
    assert f"1 answered request key(s) deleted, {sent} notice body(ies) emptied" in log
