"""Self-test of the fake Bot Framework connector, driven by the real botbuilder stack.

The Teams adapter of ogpbot talks to the connector through botbuilder's
CloudAdapter and connector client; these tests run that same stack against
:class:`tests.fakes.bf_connector.FakeConnector`, so a test of ogpbot that
relies on the fake relies on behaviour checked here.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector import BotFrameworkConnectorConfiguration
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.exceptions import ClientRequestError

from tests.fakes.bf_connector import BLOCKED_CODE, FakeConnector

BOT = ChannelAccount(id="28:ogpbot-app-id", name="ogpbot")
PERSON = ChannelAccount(id="29:1-kari-nordmann", name="Kari Nordmann")
TENANT = "9b1c5e3a-0000-4000-8000-000000000001"
CONVERSATION = "a:1-dm-with-kari"


def emulator_adapter() -> CloudAdapter:
    """A CloudAdapter without credentials, as ogpbot runs it on loopback."""
    settings = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant")
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(settings))


def reference_to(fake: FakeConnector, conversation_id: str = CONVERSATION) -> ConversationReference:
    return ConversationReference(
        channel_id="msteams",
        service_url=fake.url,
        bot=BOT,
        user=PERSON,
        conversation=ConversationAccount(id=conversation_id, tenant_id=TENANT),
    )


def bare_client(fake: FakeConnector, *, timeout: float = 5.0) -> ConnectorClient:
    """A connector client with no retries, the way an outbox sender would hold one."""
    config = BotFrameworkConnectorConfiguration(MicrosoftAppCredentials.empty(), fake.url)
    config.connection.timeout = timeout
    policy = config.retry_policy.policy
    policy.total = 0
    policy.connect = 0
    policy.read = False
    policy.status_forcelist = frozenset()
    policy.raise_on_status = False
    return ConnectorClient(None, custom_configuration=config)


def message(text: str) -> Activity:
    return Activity(
        type="message",
        text=text,
        from_property=BOT,
        recipient=PERSON,
        conversation=ConversationAccount(id=CONVERSATION),
    )


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as connector:
        yield connector


async def say(adapter: CloudAdapter, reference: ConversationReference, text: str) -> Any:
    """Send one proactive message through continue_conversation; return the response."""
    sent: list[Any] = []

    async def logic(context: TurnContext) -> None:
        sent.append(await context.send_activity(text))

    await adapter.continue_conversation(reference, logic, "")
    return sent[0]


# ------------------------------------------------------------------ proactive


@pytest.mark.asyncio
async def test_url_is_loopback_and_ends_with_slash(fake: FakeConnector) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.url.endswith("/")
    async with FakeConnector(base_path="teams") as other:
        assert other.url.endswith("/teams/")
        assert other.url != fake.url


@pytest.mark.asyncio
async def test_continue_conversation_lands_on_the_fake(fake: FakeConnector) -> None:
    response = await say(emulator_adapter(), reference_to(fake), "Agenda: 09:00 opening")

    [posted] = fake.activities_to(CONVERSATION)
    assert posted.text == "Agenda: 09:00 opening"
    assert posted.type == "message"
    assert posted.recipient_id == PERSON.id
    assert posted.activity["from"]["id"] == BOT.id
    assert response.id == posted.id
    # botbuilder addresses a proactive message as a reply to the made-up id of
    # its continuation event, so it arrives on the reply route.
    assert posted.kind == "reply"
    assert posted.reply_to_id
    # No credentials: the connector client sends no token.
    [call] = fake.calls
    assert call.method == "POST"
    assert call.path.startswith(f"/v3/conversations/{CONVERSATION}/activities/")
    assert call.authorization is None
    assert call.status == 201


@pytest.mark.asyncio
async def test_create_conversation_for_a_one_to_one_chat(fake: FakeConnector) -> None:
    adapter = emulator_adapter()
    parameters = ConversationParameters(
        is_group=False,
        bot=BOT,
        members=[PERSON],
        tenant_id=TENANT,
        channel_data={"tenant": {"id": TENANT}},
    )
    created: list[str] = []

    async def logic(context: TurnContext) -> None:
        created.append(context.activity.conversation.id)
        await context.send_activity("Your table is 3.")

    await adapter.create_conversation(BOT.id, logic, parameters, "msteams", fake.url)
    await adapter.create_conversation(BOT.id, logic, parameters, "msteams", fake.url)

    first, second = created
    assert first.startswith("a:")
    assert first == second, "the same person gets the same 1:1 conversation back"
    body = fake.calls_to("/v3/conversations", "POST")[0].json
    assert body["members"] == [{"id": PERSON.id, "name": PERSON.name}]
    assert body["channelData"] == {"tenant": {"id": TENANT}}
    assert fake.conversations[first]["isGroup"] is False
    texts = [p.text for p in fake.activities_to(first)]
    assert texts == ["Your table is 3.", "Your table is 3."]

    client = bare_client(fake)
    members = await client.conversations.get_conversation_members(first)
    assert {m.id for m in members} == {BOT.id, PERSON.id}


@pytest.mark.asyncio
async def test_create_conversation_with_a_first_activity(fake: FakeConnector) -> None:
    client = bare_client(fake)
    parameters = ConversationParameters(
        is_group=True,
        bot=BOT,
        channel_data={"channel": {"id": "19:general@thread.tacv2"}},
        activity=message("The table plan is posted."),
    )
    result = await client.conversations.create_conversation(parameters)

    assert result.id.startswith("19:")
    assert result.service_url == fake.url
    [posted] = fake.activities_to(result.id)
    assert posted.id == result.activity_id
    assert posted.kind == "create"


@pytest.mark.asyncio
async def test_update_and_delete(fake: FakeConnector) -> None:
    adapter = emulator_adapter()

    async def logic(context: TurnContext) -> None:
        sent = await context.send_activity("P-1 submitted")
        edited = Activity(type="message", text="P-1 presented", id=sent.id)
        updated = await context.update_activity(edited)
        assert updated.id == sent.id
        await context.delete_activity(sent.id)

    await adapter.continue_conversation(reference_to(fake), logic, "")

    assert [c.method for c in fake.calls] == ["POST", "PUT", "DELETE"]
    assert fake.calls[1].json["text"] == "P-1 presented"
    assert all(c.status in (200, 201) for c in fake.calls)

    client = bare_client(fake)
    with pytest.raises(ErrorResponseException) as missing:
        await client.conversations.delete_activity(CONVERSATION, "no-such-activity")
    assert missing.value.response.status_code == 404


# ------------------------------------------------------------- incoming turn


class EchoBot(ActivityHandler):
    """Replies to a message with its text, and to a card submit with its fields."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value:
            await turn_context.send_activity(f"got {sorted(activity.value)}")
        else:
            await turn_context.send_activity(f"echo: {activity.text}")


@pytest_asyncio.fixture
async def bot_endpoint() -> AsyncIterator[str]:
    """POST /api/messages on loopback, handled by a CloudAdapter without credentials."""
    adapter = emulator_adapter()
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{port}/api/messages"
    finally:
        await runner.cleanup()


def incoming(fake: FakeConnector, **extra: Any) -> dict[str, Any]:
    """A Teams message activity as the Bot Framework service posts it."""
    activity = {
        "type": "message",
        "id": "1767225599000",
        "timestamp": "2026-12-01T08:59:59.000Z",
        "channelId": "msteams",
        "serviceUrl": fake.url,
        "from": {"id": PERSON.id, "name": PERSON.name, "aadObjectId": "aad-kari"},
        "recipient": {"id": BOT.id, "name": BOT.name},
        "conversation": {"id": CONVERSATION, "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "nb-NO",
        "text": "status P-1",
    }
    activity.update(extra)
    return activity


@pytest.mark.asyncio
async def test_reply_to_incoming_activity_lands_on_the_fake(
    fake: FakeConnector, bot_endpoint: str
) -> None:
    async with aiohttp.ClientSession() as http, http.post(bot_endpoint, json=incoming(fake)) as r:
        assert r.status == 201

    [reply] = fake.activities_to(CONVERSATION)
    assert reply.text == "echo: status P-1"
    assert reply.kind == "reply"
    assert reply.reply_to_id == "1767225599000"
    assert reply.recipient_id == PERSON.id
    assert reply.activity["locale"] == "nb-NO"


@pytest.mark.asyncio
async def test_card_submit_arrives_as_message_value(fake: FakeConnector, bot_endpoint: str) -> None:
    submit = incoming(fake, text=None, value={"title": "Open budgets", "area": "open-data"})
    async with aiohttp.ClientSession() as http, http.post(bot_endpoint, json=submit) as r:
        assert r.status == 201

    [reply] = await fake.wait_for_activities(1)
    assert reply.text == "got ['area', 'title']"


# ----------------------------------------------------------------- failures


@pytest.mark.asyncio
async def test_block_answers_403_message_writes_blocked(fake: FakeConnector) -> None:
    fake.block(PERSON.id)

    with pytest.raises(ErrorResponseException) as refused:
        await say(emulator_adapter(), reference_to(fake), "Reminder: meeting at 10:00")

    assert refused.value.response.status_code == 403
    assert refused.value.error.error.code == BLOCKED_CODE
    assert fake.activities() == []
    assert fake.calls[-1].status == 403

    fake.unblock(PERSON.id)
    await say(emulator_adapter(), reference_to(fake), "Reminder: meeting at 10:00")
    assert len(fake.activities()) == 1


@pytest.mark.asyncio
async def test_block_by_conversation_and_other_code(fake: FakeConnector) -> None:
    fake.block(CONVERSATION, code="ConversationBlockedByUser")
    client = bare_client(fake)
    with pytest.raises(ErrorResponseException) as refused:
        await client.conversations.send_to_conversation(CONVERSATION, message("hi"))
    assert refused.value.error.error.code == "ConversationBlockedByUser"
    await client.conversations.send_to_conversation("a:someone-else", message("hi"))
    assert [p.conversation_id for p in fake.activities()] == ["a:someone-else"]


@pytest.mark.asyncio
async def test_throttle_is_not_retried_on_post_and_carries_retry_after(
    fake: FakeConnector,
) -> None:
    fake.throttle(count=1, retry_after=3)
    adapter = emulator_adapter()

    with pytest.raises(ErrorResponseException) as throttled:
        await say(adapter, reference_to(fake), "Agenda notice")

    assert throttled.value.response.status_code == 429
    assert throttled.value.response.headers["Retry-After"] == "3"
    assert len(fake.calls) == 1, "botbuilder does not retry a POST by itself"
    await say(adapter, reference_to(fake), "Agenda notice")
    assert [c.status for c in fake.calls] == [429, 201]


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [500, 502, 503, 504, 412])
async def test_outage_status_reaches_the_caller(fake: FakeConnector, status: int) -> None:
    fake.outage(status, count=1)

    with pytest.raises(ErrorResponseException) as failed:
        await say(emulator_adapter(), reference_to(fake), "Agenda notice")

    assert failed.value.response.status_code == status
    assert len(fake.calls) == 1
    assert fake.activities() == []


@pytest.mark.asyncio
async def test_faults_queue_in_order_and_can_target_a_conversation(fake: FakeConnector) -> None:
    client = bare_client(fake)
    fake.throttle(count=1, conversation_id="a:busy")
    fake.outage(502, count=1)

    # The throttle waits for "a:busy"; the outage takes the first request.
    with pytest.raises(ErrorResponseException):
        await client.conversations.send_to_conversation("a:calm", message("1"))
    with pytest.raises(ErrorResponseException):
        await client.conversations.send_to_conversation("a:busy", message("2"))
    await client.conversations.send_to_conversation("a:busy", message("3"))
    assert [c.status for c in fake.calls] == [502, 429, 201]


@pytest.mark.asyncio
async def test_default_retries_resend_an_update_after_an_outage(fake: FakeConnector) -> None:
    adapter = emulator_adapter()

    async def logic(context: TurnContext) -> None:
        sent = await context.send_activity("P-2 submitted")
        fake.outage(500, count=1)
        await context.update_activity(Activity(type="message", text="P-2 agreed", id=sent.id))

    await adapter.continue_conversation(reference_to(fake), logic, "")
    # A PUT is retried by the connector client's urllib3 policy; a POST is not.
    assert [(c.method, c.status) for c in fake.calls] == [
        ("POST", 201),
        ("PUT", 500),
        ("PUT", 200),
    ]


@pytest.mark.asyncio
async def test_hang_times_out_the_client_yet_the_write_lands(fake: FakeConnector) -> None:
    client = bare_client(fake, timeout=0.2)
    fake.hang(60)

    with pytest.raises(ClientRequestError):
        await client.conversations.send_to_conversation(CONVERSATION, message("late"))

    assert fake.activities() == []
    fake.release_hangs()
    [landed] = await fake.wait_for_activities(1)
    assert landed.text == "late"


@pytest.mark.asyncio
async def test_token_is_checked_when_asked() -> None:
    async with FakeConnector(token="t0k3n") as fake:
        client = bare_client(fake)
        with pytest.raises(ErrorResponseException) as denied:
            await client.conversations.send_to_conversation(CONVERSATION, message("hi"))
        assert denied.value.response.status_code == 401
        assert fake.activities() == []


# ------------------------------------------------------------- raw HTTP


@pytest.mark.asyncio
async def test_raw_routes(fake: FakeConnector) -> None:
    base = fake.url + "v3/"
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "conversations/a:x/activities", data=b"{nope") as r:
            assert r.status == 400
            assert (await r.json())["error"]["code"] == "BadSyntax"
        async with http.post(base + "conversations/a:x/activities", json={"text": "x"}) as r:
            assert r.status == 400
        async with http.get(base + "no/such/route") as r:
            assert r.status == 404
            assert "error" in await r.json()
        upload = {"type": "text/plain", "name": "plan.txt", "originalBase64": "aGVsbG8="}
        async with http.post(base + "conversations/a:x/attachments", json=upload) as r:
            assert r.status == 201
            attachment_id = (await r.json())["id"]
        async with http.get(base + f"attachments/{attachment_id}/views/original") as r:
            assert await r.read() == b"hello"
        async with http.get(base + "conversations/a:unknown/members") as r:
            assert r.status == 404
    assert [c.status for c in fake.calls] == [400, 400, 404, 201, 200, 404]
