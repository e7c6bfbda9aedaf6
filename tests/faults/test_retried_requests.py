"""A request that Slack or Teams delivers again, after it was answered and its answer marked in
the store (Slack retries an event at once, after a minute and after five; Teams sends an
activity again when it missed the 201), is answered once, through the real `ogpbot serve`:
a DM `help` (it changes nothing, so no reply of it is kept), a mention with a line the bot does
not understand, the same button press delivered twice, and a Teams message with the same
activity id."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.store.tinydb_file import TinyDBStore
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import (
    block_actions_payload,
    event_callback_body,
    interactivity_body,
    retry_headers,
    signed_headers,
)
from tests.notices.test_notices_e2e import ANDERS, CHANNEL, DAY, SECRET, Server, seminar_toml
from tests.notices.test_notices_e2e import (
    fake as fake,  # the fixture: the fake Slack and its people
)
from tests.notices.test_notices_teams_e2e import BOT, KARI, TENANT, TeamsServer, words
from tests.notices.test_notices_teams_e2e import seminar_toml as teams_seminar_toml
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
_n = itertools.count(1)


def inbox_state(folder: Path, key: str) -> str | None:
    """The state of one inbox item in the store on disk ("gone" once it was removed)."""
    store = TinyDBStore(folder / "ogpbot.json", readonly=True)
    try:
        doc = store.get("inbox", key)
    finally:
        store.close()
    return "gone" if doc is None else str(doc.get("state"))


def answered(folder: Path, key: str) -> bool:
    """Its answer went out and the mark is written (kept for retries, or removed)."""
    return inbox_state(folder, key) in ("answered", "gone")


async def post(server: Server, body: bytes, headers: dict[str, str] | None = None) -> int:
    sent = {**signed_headers(SECRET, body), **(headers or {})}
    async with aiohttp.ClientSession() as http, http.post(
            f"{server.url}/slack/events", data=body, headers=sent) as answer:
        return answer.status


async def test_slack_deliveries_sent_again_after_the_answer_are_answered_once(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    day = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar_toml(day, [("09:00", "Velkommen", "talk")],
                                                        ["1h"]), encoding="utf-8")
    dm = fake.dm_channel(ANDERS)
    deliveries: list[tuple[str, str, bytes]] = [
        ("dm", "slack:event:Ev0RETRYDM1", event_callback_body(
            {"type": "message", "channel_type": "im", "user": ANDERS, "channel": dm,
             "text": "help", "ts": "1700000010.000100"}, event_id="Ev0RETRYDM1")),
        ("mention", "slack:event:Ev0RETRYMN1", event_callback_body(
            {"type": "app_mention", "user": ANDERS, "channel": CHANNEL,
             "text": "<@U0OGPBOT1> snurre sprett", "ts": "1700000010.000200"},
            event_id="Ev0RETRYMN1")),
    ]
    press = block_actions_payload("ogp_words:help", value="help", user_id=ANDERS,
                                  channel_id=CHANNEL, response_url=fake.response_url("press"))
    deliveries.append(("press", f"slack:action:{press['trigger_id']}",
                       interactivity_body(press)))

    def given() -> dict[str, int]:
        return {"dm": len(fake.messages_in(dm)),
                "mention": sum(c.args.get("user") == ANDERS
                               for c in fake.calls_to("chat.postEphemeral")),
                "press": sum(c.path.endswith("/press") for c in fake.calls_to("response_url"))}

    server = Server(tmp_path, fake)
    try:
        await server.start()
        # Anders is known to the bot already: what he asks next changes nothing in the store.
        first = event_callback_body({"type": "message", "channel_type": "im", "user": ANDERS,
                                     "channel": dm, "text": "agenda",
                                     "ts": "1700000010.000050"})
        assert await post(server, first) == 200
        await eventually(lambda: len(fake.messages_in(dm)) == 1, within=20)
        for kind, key, body in deliveries:
            assert await post(server, body) == 200
            await eventually(lambda kind=kind: given()[kind] == 1 + (kind == "dm"), within=20)
            await eventually(lambda key=key: answered(tmp_path, key), within=20)
        # Slack sends each again (an event as a retry; the press as the same payload).
        for _, key, body in deliveries:
            for retry in (1, 2):
                headers = retry_headers(retry) if key.startswith("slack:event:") else None
                assert await post(server, body, headers) == 200
        # Something later from the same person, answered after anything those would cause.
        later = event_callback_body({"type": "message", "channel_type": "im", "user": ANDERS,
                                     "channel": dm, "text": "agenda",
                                     "ts": "1700000010.000300"})
        assert await post(server, later) == 200
        await eventually(lambda: len(fake.messages_in(dm)) >= 3, within=20)
    finally:
        server.stop()  # the turns in flight finish first: every answer is in
    assert given() == {"dm": 3, "mention": 1, "press": 1}


def message(fake: FakeConnector, text: str) -> dict[str, Any]:
    return {"type": "message", "id": f"again-{next(_n)}", "serviceUrl": fake.url,
            "channelId": "msteams", "from": KARI, "recipient": BOT, "locale": "nb-NO",
            "text": text, "conversation": {"id": f"a:1-dm-retry-{next(_n)}",
                                           "conversationType": "personal",
                                           "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}}}


async def test_a_teams_activity_sent_again_after_the_answer_is_answered_once(
        tmp_path: Path) -> None:
    day = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(teams_seminar_toml(
        day, [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    async with FakeConnector() as fake:
        server = TeamsServer(tmp_path, fake)
        try:
            await server.start()
            known = message(fake, "agenda")  # Kari is known to the bot from then on
            conversation = known["conversation"]["id"]
            activity = {**message(fake, "help"), "conversation": known["conversation"]}
            key = f"teams:{conversation}:{activity['id']}"
            async with aiohttp.ClientSession() as http:
                for sent, count in ((known, 1), (activity, 2)):
                    async with http.post(f"{server.url}/api/messages", json=sent) as answer:
                        assert answer.status == 201
                    await eventually(
                        lambda count=count: len(fake.activities_to(conversation)) == count,
                        within=20)
                await eventually(lambda: answered(tmp_path, key), within=20)
                for _ in (1, 2):  # the same activity, delivered again
                    async with http.post(f"{server.url}/api/messages",
                                         json=activity) as answer:
                        assert answer.status in (200, 201)
                later = {**message(fake, "agenda"), "conversation": activity["conversation"]}
                async with http.post(f"{server.url}/api/messages", json=later) as answer:
                    assert answer.status == 201
                await eventually(lambda: len(fake.activities_to(conversation)) >= 3,
                                 within=20)
        finally:
            server.stop()  # the turns in flight finish first: every answer is in
        replies = [words(p) for p in fake.activities_to(conversation)]
    assert len(replies) == 3, replies
