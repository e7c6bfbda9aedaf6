"""What reaches /slack/events without Slack's signature, too late, not as a Slack payload, or from
another workspace than `SLACK_TEAM_ID`: 401, 400 or 403, never a 5xx, and nothing changed or
sent."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from tests.adapters.slack.conftest import KARI, SECRET, Workspace
from tests.adapters.slack.test_propose import good_values
from tests.fakes.slack_signing import (
    FORM,
    TEAM_ID,
    block_actions_payload,
    event_callback_body,
    interactivity_body,
    signed_headers,
    slash_command_body,
    url_verification_body,
    view_submission_payload,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def snapshot(workspace: Workspace) -> tuple[int, int, int]:
    records = workspace.runtime.bot.records
    return (len(records.proposals()), len(records.people()), len(workspace.fake.calls))


def submission() -> bytes:
    return interactivity_body(view_submission_payload("propose", good_values(),
                                                      user_id=KARI.slack_id, view_id="V0SECURE01"))


async def test_wrong_signature_is_401_and_changes_nothing(workspace: Workspace) -> None:
    before = snapshot(workspace)
    answer = await workspace.post(submission(), secret="not-the-secret")
    assert answer.status == 401
    answer = await workspace.post(slash_command_body("status", user_id="U0STRANGER"),
                                  secret="not-the-secret")
    assert answer.status == 401
    assert snapshot(workspace) == before


async def test_missing_signature_headers_are_401(workspace: Workspace) -> None:
    body = submission()
    async with workspace.session.post(workspace.url, data=body) as response:
        assert response.status == 401
    answer = await workspace.post(body, headers={"X-Slack-Request-Timestamp": "soon"})
    assert answer.status == 401


async def test_a_request_older_than_five_minutes_is_401(workspace: Workspace) -> None:
    before = snapshot(workspace)
    answer = await workspace.post(submission(), timestamp=int(time.time()) - 5 * 60 - 5)
    assert answer.status == 401
    assert snapshot(workspace) == before


@pytest.mark.parametrize("body", [
    b"{this is not json",
    b"payload=%7Bnot-json",
    b"[1, 2, 3]",
    b"\xff\xfe\x00garbage",
    b"",
])
async def test_malformed_signed_body_is_400(workspace: Workspace, body: bytes) -> None:
    before = snapshot(workspace)
    answer = await workspace.post(body)
    assert answer.status == 400
    assert snapshot(workspace) == before


async def test_url_verification_handshake(workspace: Workspace) -> None:
    answer = await workspace.post(url_verification_body("ogp-challenge-42"))
    assert answer.status == 200
    assert "ogp-challenge-42" in answer.text


# -- headers and bodies of any shape: a 4xx, never a 5xx -----------------------------------------

async def raw_post(workspace: Workspace, headers: list[tuple[bytes, bytes]],
                   body: bytes) -> int:
    """POST /slack/events with header bytes exactly as given (no client library tidying them
    up); the status code the server answers."""
    url = urlsplit(workspace.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        head = [b"POST " + url.path.encode() + b" HTTP/1.1",
                b"Host: " + url.netloc.encode(),
                b"Content-Length: " + str(len(body)).encode(),
                b"Connection: close"]
        head += [name + b": " + value for name, value in headers]
        writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return int(status_line.split()[1])


def signed(body: bytes) -> tuple[bytes, bytes]:
    """A correct timestamp and signature for `body`, as header values."""
    headers = signed_headers(SECRET, body)
    return (headers["X-Slack-Request-Timestamp"].encode(),
            headers["X-Slack-Signature"].encode())


def odd_headers(timestamp: bytes, signature: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Content-Type", FORM.encode()), (b"X-Slack-Request-Timestamp", timestamp),
            (b"X-Slack-Signature", signature)]


async def test_a_non_ascii_signature_is_401(workspace: Workspace) -> None:
    body = slash_command_body("status", user_id=KARI.slack_id)
    timestamp, signature = signed(body)
    before = snapshot(workspace)
    for odd in ("v0=" + "æ" * 64, "v0=" + signature.decode()[3:-1] + "ø", "v0=\u0661\u0662"):
        assert await raw_post(workspace, odd_headers(timestamp, odd.encode()), body) == 401
    # bytes that are not UTF-8 at all
    assert await raw_post(workspace, odd_headers(timestamp, b"v0=\xff\xfe" + signature[5:]),
                          body) == 401
    assert snapshot(workspace) == before


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666"
                                           "\u0667\u0668\u0669")


ODD_TIMESTAMPS: dict[str, Callable[[str], str]] = {
    # digits to str.isdigit and to int(), but not ASCII: Slack never sends them
    "fullwidth": lambda now: now.translate(FULLWIDTH),
    "arabic-indic": lambda now: now.translate(ARABIC_INDIC),
    "superscript": lambda now: "²³",  # digits to str.isdigit, not to int()
    "letter": lambda now: now[:-2] + "ø" + now[-1],
    "decimal": lambda now: now + ".0",
    "negative": lambda now: "-" + now,
    "huge": lambda now: "9" * 400,  # too large for a float
    "empty": lambda now: "",
}


@pytest.mark.parametrize("odd", ODD_TIMESTAMPS.values(), ids=ODD_TIMESTAMPS.keys())
async def test_a_non_ascii_or_non_numeric_timestamp_is_401(workspace: Workspace,
                                                           odd: Callable[[str], str]) -> None:
    now = str(int(time.time()))
    body = slash_command_body("status", user_id=KARI.slack_id)
    _, signature = signed(body)
    before = snapshot(workspace)
    assert await raw_post(workspace, odd_headers(odd(now).encode(), signature), body) == 401
    assert snapshot(workspace) == before


async def test_a_timestamp_in_bytes_that_are_not_utf8_is_401(workspace: Workspace) -> None:
    body = slash_command_body("status", user_id=KARI.slack_id)
    timestamp, signature = signed(body)
    assert await raw_post(workspace, odd_headers(timestamp + b"\xff", signature), body) == 401
    assert await raw_post(workspace, odd_headers(b"\xc3\x28", signature), body) == 401


@pytest.mark.parametrize("extra", [
    (b"X-Slack-Retry-Num", "é".encode()),
    (b"X-Slack-Retry-Num", b"\xff"),
    (b"X-Slack-Retry-Reason", "ø".encode()),
    (b"Content-Type", "application/x-www-form-urlencoded; charset=ø".encode()),
])
async def test_other_odd_headers_on_a_signed_request_are_never_5xx(
        workspace: Workspace, extra: tuple[bytes, bytes]) -> None:
    body = slash_command_body("status", user_id=KARI.slack_id)
    timestamp, signature = signed(body)
    headers = [h for h in odd_headers(timestamp, signature) if h[0] != extra[0]] + [extra]
    assert await raw_post(workspace, headers, body) < 500


TEAM = {"team": {"id": TEAM_ID}}


@pytest.mark.parametrize("body", [
    interactivity_body({**TEAM, "type": "block_actions", "actions": "not a list", "user": 3}),
    interactivity_body({**TEAM, "type": "block_actions", "actions": [1], "user": {"id": "U1"}}),
    interactivity_body({**TEAM, "type": "view_submission", "view": [],
                        "user": {"id": ["U1"]}}),
    json.dumps({"team_id": TEAM_ID, "type": "event_callback", "event": "not an object"}).encode(),
    json.dumps({"team_id": TEAM_ID, "type": "event_callback",
                "event": {"type": ["message"]}}).encode(),
    json.dumps({"team_id": TEAM_ID, "type": ["event_callback"]}).encode(),
    json.dumps({"team_id": TEAM_ID, "command": {"nested": True}}).encode(),
    b"command=%2Fogp&text=status&team_id=T0OGP0001&user_id=&channel_id=C0PLENARY",
    b"command=%2Fogp&text=status&team_id=T0OGP0001&user_id=U0KARI001",
])
async def test_signed_bodies_of_the_wrong_types_are_4xx(workspace: Workspace,
                                                       body: bytes) -> None:
    before = snapshot(workspace)
    answer = await workspace.post(body)
    assert answer.status == 400
    assert snapshot(workspace) == before


# -- another workspace ----------------------------------------------------------------------------

OTHER_TEAM = "T0ELSEWHERE"


async def test_a_signed_command_from_another_workspace_is_403(workspace: Workspace) -> None:
    before = snapshot(workspace)
    answer = await workspace.post(slash_command_body("status", user_id=KARI.slack_id,
                                                     team_id=OTHER_TEAM))
    assert answer.status == 403
    answer = await workspace.post(slash_command_body("propose", user_id=KARI.slack_id,
                                                     command="/propose", team_id=OTHER_TEAM))
    assert answer.status == 403
    assert snapshot(workspace) == before


async def test_a_signed_submission_from_another_workspace_is_403(workspace: Workspace) -> None:
    before = snapshot(workspace)
    payload = view_submission_payload("propose", good_values(), user_id=KARI.slack_id,
                                      view_id="V0ELSEWHR1", team_id=OTHER_TEAM)
    answer = await workspace.interact(payload)
    assert answer.status == 403
    button = block_actions_payload("ogp_words:status", value="status", user_id=KARI.slack_id,
                                   team_id=OTHER_TEAM)
    answer = await workspace.interact(button)
    assert answer.status == 403
    assert snapshot(workspace) == before


async def test_a_signed_event_from_another_workspace_is_403(workspace: Workspace) -> None:
    before = snapshot(workspace)
    event = {"type": "message", "channel_type": "im", "channel": "D0KARI0001",
             "user": KARI.slack_id, "text": "status", "ts": "1700000000.000100"}
    async with workspace.session.post(
            workspace.url, data=(body := event_callback_body(event, team_id=OTHER_TEAM)),
            headers=signed_headers(SECRET, body)) as response:
        assert response.status == 403
    assert snapshot(workspace) == before


async def test_a_request_naming_no_workspace_is_403(workspace: Workspace) -> None:
    before = snapshot(workspace)
    payload = block_actions_payload("ogp_words:status", value="status", user_id=KARI.slack_id)
    del payload["team"]
    del payload["user"]["team_id"]
    answer = await workspace.interact(payload)
    assert answer.status == 403
    assert snapshot(workspace) == before


async def test_the_served_workspace_still_gets_its_answers(workspace: Workspace) -> None:
    answer, rid = await workspace.command("help", KARI)
    assert answer.status == 200
    (reply,) = await workspace.responses(rid)
    assert "koordinator" in reply["text"]
