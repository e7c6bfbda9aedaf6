"""`SlackNotifier` against the fake Web API: channel posts, DMs, a file beside a DM, and the
ways Slack fails (429 with Retry-After, 5xx, permanent errors)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.notifier import SlackNotifier
from adapters.slack.retry import SlackRetryHandler
from bot.core.reply import Action, Field, Reply
from bot.notices.port import DeliveryError, FileAttachment
from tests.fakes.slack_api import UPLOAD_METHOD, FakeSlackAPI

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOTICE = Reply(language="en", title="New proposal P-7: <!here> open budgets",
               fields=(Field("Status", "submitted"),), lines=("From Jane (Folk & Fe).",),
               actions=(Action("Status", "status P-7"),))


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        yield api


@pytest.fixture
def notifier(fake: FakeSlackAPI) -> SlackNotifier:
    fake.heal()
    fake.clear_calls()
    # The adapter's own handler, with short waits so the suite stays quick.
    client = AsyncWebClient(token="xoxb-test", base_url=fake.url, timeout=5,
                            retry_handlers=[SlackRetryHandler(max_retry_count=3, backoff=0.01)])
    return SlackNotifier(client)


async def test_post_to_a_channel_with_blocks_and_escaped_fallback(
        fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    await notifier.post("C0PLENARY", NOTICE)
    (call,) = fake.calls_to("chat.postMessage", ok=True)
    assert call.args["channel"] == "C0PLENARY"
    assert "&lt;!here&gt; open budgets" in call.args["text"]
    assert "<!here>" not in json.dumps(call.args)
    assert call.args["blocks"][-1]["type"] == "actions"


async def test_direct_opens_the_dm_and_uploads_the_file(
        fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    invite = FileAttachment("meeting-P-7.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                            "text/calendar")
    await notifier.direct("U0JANE001", NOTICE, invite)
    (opened,) = fake.calls_to("conversations.open")
    assert opened.args["users"] == "U0JANE001"
    assert [m["text"][:16] for m in fake.messages_in("U0JANE001")] == ["New proposal P-7"]
    (done,) = fake.calls_to("files.completeUploadExternal", ok=True)
    assert done.args["channel_id"] == fake.dm_channel("U0JANE001")
    assert list(fake.uploads.values())[-1] == invite.content
    assert fake.calls_to(UPLOAD_METHOD, ok=True)
    # The DM channel is remembered: a second message does not open it again.
    await notifier.direct("U0JANE001", NOTICE)
    assert len(fake.calls_to("conversations.open")) == 1


async def test_rate_limit_is_waited_out(fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    fake.throttle_per_channel(4.0)  # a quarter of a second apart, else 429 Retry-After: 1
    await notifier.post("C0BUSY", NOTICE)
    await notifier.post("C0BUSY", NOTICE)
    assert fake.throttled >= 1
    assert len(fake.messages_in("C0BUSY")) == 2


async def test_a_server_error_is_not_posted_again_in_place_but_reported_in_doubt(
        fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    """Slack may have posted a message it answered 5xx to: the notifier does not post it
    again, and says so; asked, it tells from the history that this one did not arrive."""
    fake.outage(502, count=2, methods=["chat.postMessage"])
    with pytest.raises(DeliveryError) as failed:
        await notifier.post("C0FLAKY", NOTICE, key="plan:P-7:announce")
    assert not failed.value.permanent and failed.value.in_doubt
    assert fake.outage_answers == 1 and len(fake.calls_to("chat.postMessage")) == 1
    assert await notifier.delivered("C0FLAKY", "plan:P-7:announce", direct=False) is False


async def test_a_long_outage_is_a_passing_failure(
        fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    fake.outage(503, methods=["chat.postMessage"])
    with pytest.raises(DeliveryError) as failed:
        await notifier.post("C0DOWN", NOTICE)
    assert not failed.value.permanent
    assert len(fake.calls_to("chat.postMessage")) == 1  # never repeated blindly


async def test_a_post_whose_answer_never_came_is_found_in_the_history(
        fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    """The post reaches Slack but its answer does not come back in time: reported in doubt,
    and found afterwards by the notice's digest in the message's metadata (no key in it)."""
    key = "reminder:P-7:roster:jane@example.org"
    fake.hang(2, count=1, methods=["chat.postMessage"])
    notifier.posts.timeout = 1
    with pytest.raises(DeliveryError) as failed:
        await notifier.direct("U0JANE002", NOTICE, key=key)
    assert failed.value.in_doubt and not failed.value.permanent
    [arrived] = fake.messages_in("U0JANE002")
    assert arrived["metadata"]["event_type"] == "ogpbot_notice"
    assert "jane" not in json.dumps(arrived["metadata"])
    assert await notifier.delivered("U0JANE002", key, direct=True) is True
    assert await notifier.delivered("U0JANE002", "another:key", direct=True) is False


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel"])
async def test_permanent_errors_are_not_retried(
        fake: FakeSlackAPI, notifier: SlackNotifier, error: str) -> None:
    fake.fail_channel("C0GONE", error)
    with pytest.raises(DeliveryError) as failed:
        await notifier.post("C0GONE", NOTICE)
    assert failed.value.permanent and failed.value.reason == error
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_long_retry_after_is_left_to_the_dispatcher(
        fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    fake.throttle_per_channel(0.05)  # twenty seconds apart: Retry-After 20
    await notifier.post("C0SLOW", NOTICE)
    with pytest.raises(DeliveryError) as failed:
        await notifier.post("C0SLOW", NOTICE)
    assert not failed.value.permanent
    assert failed.value.retry_after is not None and failed.value.retry_after > 5


async def test_a_roster_person_is_found_by_email(fake: FakeSlackAPI,
                                                 notifier: SlackNotifier) -> None:
    fake.add_user("U0INGRID", email="ingrid.berg@example.org")
    assert await notifier.find_user("ingrid.berg@example.org") == "U0INGRID"
    assert await notifier.find_user("nobody@example.org") is None
    assert [c.args["email"] for c in fake.calls_to("users.lookupByEmail")] == [
        "ingrid.berg@example.org", "nobody@example.org"]


async def test_a_file_that_cannot_follow_does_not_fail_a_delivered_message(
        fake: FakeSlackAPI, notifier: SlackNotifier) -> None:
    fake.fail_method("files.getUploadURLExternal", "missing_scope")
    invite = FileAttachment("meeting-P-8.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                            "text/calendar")
    await notifier.direct("U0JOHN001", NOTICE, invite)  # no DeliveryError: it arrived
    assert len(fake.messages_in("U0JOHN001")) == 1
    assert not fake.calls_to("files.completeUploadExternal")
