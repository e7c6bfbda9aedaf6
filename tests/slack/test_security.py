"""What reaches /slack/events without Slack's signature, too late, or not as a Slack payload:
401 or 400, and nothing changed or sent."""

from __future__ import annotations

import time

import pytest

from tests.fakes.slack_signing import (
    interactivity_body,
    slash_command_body,
    url_verification_body,
    view_submission_payload,
)
from tests.slack.conftest import KARI, Workspace
from tests.slack.test_propose import good_values

pytestmark = pytest.mark.asyncio(loop_scope="module")


def snapshot(workspace: Workspace) -> tuple[int, int, int]:
    records = workspace.runtime.bot.records
    return (len(records.proposals()), len(records.people()), len(workspace.fake.calls))


def submission() -> bytes:
    return interactivity_body(view_submission_payload("propose", good_values(),
                                                      user_id=KARI[0], view_id="V0SECURE01"))


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
