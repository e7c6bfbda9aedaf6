"""A person's data rights through the real `ogpbot` command: `people show EMAIL` prints
everything stored about them, `people forget EMAIL` erases them; afterwards the store's files,
the public pages and JSON, and every export have no trace of their name, e-mail address or
platform id, while their proposals stay (under their organisation, or as a private
individual) and the history says an erased person acted. A roster person, and a store that a
running server holds, are refused with a sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from bot.app.runtime import Runtime
from bot.core.command import Command, Place, Speaker
from bot.core.seminar import load_seminar
from bot.core.settings import Settings
from bot.store.tinydb_file import TinyDBStore
from tests.cast import SIRI
from tests.chat import COORDINATOR, CSO, SEMINAR_FILE, Chat
from tests.serving import ROOT, ServeProcess

EMAIL, NAME, SLACK_ID = SIRI.email, SIRI.name, SIRI.slack_id
TRACES = (NAME, EMAIL, SLACK_ID)
LINE = "Åpne styrereferater | Referatene er lukket | Publiser dem | transparency | innsyn | jd"


def _siri(chat: Chat, words: str) -> None:
    speaker = Speaker("slack", SLACK_ID, name=NAME, email=EMAIL)
    reply = chat.bot.handle(Command(speaker, Place("slack", "D0SIRI", is_direct=True),
                                    words=words))
    assert reply.ok, reply.text


def _world(folder: Path) -> dict[str, str]:
    """A store where Siri (not on the roster) proposed twice: P-1 in her own name, which the
    coordinator then declined, and P-2 for an organisation she named."""
    chat = Chat(store=TinyDBStore(folder / "ogpbot.json"))
    _siri(chat, "propose Åpne budsjett | Lite innsyn | Publiser tallene | "
                "transparency | innsyn | jd")
    _siri(chat, f"propose {LINE} | Grasrota")
    assert chat.say(COORDINATOR, "decide P-1 exclude Dekket av P-2").ok
    chat.store.close()
    return {**os.environ, "OGPBOT_DB": str(folder / "ogpbot.json"),
            "OGPBOT_SEMINAR": str(SEMINAR_FILE)}


def _ogpbot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _store_files(folder: Path) -> str:
    """The store file and whatever lies beside it (its journal), as text."""
    return b"".join(p.read_bytes() for p in folder.iterdir()
                    if p.name.startswith("ogpbot.json") and p.is_file()).decode("utf-8")


def _traces(text: str) -> list[str]:
    return [trace for trace in TRACES if trace.lower() in text.lower()]


@pytest.mark.asyncio
async def test_show_then_forget_leaves_no_trace_and_keeps_the_proposals(tmp_path: Path) -> None:
    env = _world(tmp_path)

    shown = _ogpbot(env, "people", "show", EMAIL)
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["names"] == [NAME] and SLACK_ID in found["platform_ids"]
    stored = found["stored"]
    assert [d["document"]["name"] for d in stored["people"]] == [NAME]
    assert sorted(d["key"] for d in stored["proposals"]) == ["1", "2"]
    # a notice says what, not how: the ones about her proposals name her nowhere (they are
    # written from the record when they are sent, so they name her as it does then)
    assert not any(NAME in json.dumps(d, ensure_ascii=False) for d in stored.get("outbox", []))
    assert "person_ids" in stored

    erased = _ogpbot(env, "people", "forget", EMAIL)
    assert erased.returncode == 0, erased.stderr
    summary = json.loads(erased.stdout)
    assert summary["now_known_as"].startswith("erased:")
    assert summary["deleted"]["people"] == 1

    assert not _traces(_store_files(tmp_path)), "the store's files still name her"

    again = _ogpbot(env, "people", "show", EMAIL)
    assert again.returncode == 1 and f"nobody with the e-mail address {EMAIL}" in again.stderr

    for fmt in ("markdown", "csv", "json"):
        export = _ogpbot(env, "export", "--format", fmt)
        assert export.returncode == 0, export.stderr
        assert not _traces(export.stdout), fmt
    assert "Grasrota" in _ogpbot(env, "export", "--format", "csv").stdout

    runtime = Runtime.open(Settings.from_env(env))
    try:
        async with TestClient(TestServer(build_app(runtime))) as client:
            pages = {}
            for path in ("/", "/proposals/P-1", "/proposals/P-2", "/api/proposals",
                         "/api/proposals/P-1", "/api/proposals/P-2", "/?lang=en",
                         "/api/proposals/P-1?lang=en"):
                answer = await client.get(path)
                assert answer.status == 200, path
                pages[path] = await answer.text()
                assert not _traces(pages[path]), path
            two = json.loads(pages["/api/proposals/P-1"])["proposal"]
            one = json.loads(pages["/api/proposals/P-2"])["proposal"]
            english = json.loads(pages["/api/proposals/P-1?lang=en"])["proposal"]
    finally:
        runtime.close()
    assert one["title"] == "Åpne styrereferater" and one["organization"] == "Grasrota"
    assert two["organization"] == "privatperson" and two["status"] == "not_included"
    assert two["reasoned_response"] == "Dekket av P-2"
    assert one["history"][0]["actor_name"] == "en slettet person"
    assert english["history"][0]["actor_name"] == "an erased person"
    assert two["history"][-1]["actor_name"] == "Kari Nordmann"  # others keep their names


def test_a_roster_person_and_a_busy_store_are_refused_and_nothing_changes(
        tmp_path: Path) -> None:
    env = _world(tmp_path)
    before = (tmp_path / "ogpbot.json").read_bytes()
    roster = _ogpbot(env, "people", "forget", CSO)
    assert roster.returncode == 1
    assert f"{CSO} is on the roster of {SEMINAR_FILE}" in roster.stderr
    assert "nothing was changed" in roster.stderr
    assert _ogpbot(env, "people", "forget", "nobody@example.org").returncode == 1

    server = ServeProcess(env, tmp_path / "serve.log", start_within=30.0)
    import asyncio

    asyncio.run(server.start())
    try:
        busy = _ogpbot(env, "people", "forget", EMAIL)
        shown = _ogpbot(env, "people", "show", EMAIL)  # reading works beside the server
    finally:
        server.stop()
    assert busy.returncode == 1
    assert "is in use by a running `ogpbot serve`; stop the server" in busy.stderr
    assert shown.returncode == 0 and NAME in shown.stdout
    store = TinyDBStore(tmp_path / "ogpbot.json", readonly=True)
    try:
        assert store.get("people", "slack:" + SLACK_ID) is not None  # still there
    finally:
        store.close()
    assert before  # the file was there all along
    assert load_seminar(SEMINAR_FILE).people  # the roster itself is untouched
