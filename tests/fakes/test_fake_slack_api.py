"""Self-test of the fake Slack Web API and the request signer, through slack_sdk and slack-bolt."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_api import RESPONSE_URL_METHOD, UPLOAD_METHOD, FakeSlackAPI
from tests.fakes.slack_signing import (
    block_actions_payload,
    checkboxes_value,
    event_callback_body,
    interactivity_body,
    select_value,
    signed_headers,
    slash_command_body,
    text_value,
    view_submission_payload,
)
from tests.serving import eventually

TOKEN = "xoxb-ogpbot-test"
SECRET = "ogpbot-signing-secret"
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "propose",
    "title": {"type": "plain_text", "text": "Propose"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "title"},
        }
    ],
}


def client_for(fake: FakeSlackAPI, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.url, **kwargs)


@pytest.mark.asyncio
async def test_post_message_json_and_form_bodies() -> None:
    async with FakeSlackAPI() as fake:
        assert fake.url.startswith("http://127.0.0.1:") and fake.url.endswith("/api/")
        client = client_for(fake)
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*P-1* submitted"}}]
        sent = await client.chat_postMessage(
            channel="C0PLENARY", text="P-1 submitted", blocks=blocks
        )
        assert sent["channel"] == "C0PLENARY" and sent["ts"]
        by_form = await client.api_call(
            "chat.postMessage",
            data={"channel": "U0PERSON1", "text": "hi", "blocks": json.dumps(blocks)},
        )
        assert by_form["channel"] == fake.dm_channel("U0PERSON1")

        first, second = fake.calls_to("chat.postMessage")
        assert first.args["blocks"] == blocks and second.args["blocks"] == blocks
        assert first.headers["Authorization"] == f"Bearer {TOKEN}"
        assert [m["text"] for m in fake.messages_in("C0PLENARY")] == ["P-1 submitted"]
        assert [m["text"] for m in fake.messages_in("U0PERSON1")] == ["hi"]

        with pytest.raises(SlackApiError) as bad:
            await client.chat_postMessage(
                channel="C0PLENARY", text="x", blocks=[{"type": "section"}]
            )
        assert bad.value.response["error"] == "invalid_blocks"
        with pytest.raises(SlackApiError) as unknown:
            await client.api_call("chat.meMessage", json={"channel": "C0PLENARY", "text": "x"})
        assert unknown.value.response["error"] == "unknown_method"


@pytest.mark.asyncio
async def test_views_and_users() -> None:
    async with FakeSlackAPI() as fake:
        client = client_for(fake)
        opened = await client.views_open(trigger_id="1.2.abc", view=MODAL)
        view = opened["view"]
        assert view["id"].startswith("V") and view["callback_id"] == "propose"
        with pytest.raises(SlackApiError) as again:
            await client.views_open(trigger_id="1.2.abc", view=MODAL)
        assert again.value.response["error"] == "exchanged_trigger_id"
        updated = await client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL)
        assert updated["view"]["id"] == view["id"]
        too_long = {**MODAL, "title": {"type": "plain_text", "text": "x" * 30}}
        with pytest.raises(SlackApiError) as invalid:
            await client.views_open(trigger_id="1.3.abc", view=too_long)
        assert invalid.value.response["error"] == "invalid_arguments"
        home = await client.views_publish(
            user_id="U0PERSON1", view={"type": "home", "blocks": MODAL["blocks"]}
        )
        assert home["view"]["type"] == "home"

        fake.add_user("U0PERSON1", email="kari@example.org", locale="nb-NO", name="kari")
        info = await client.users_info(user="U0PERSON1", include_locale=True)
        assert info["user"]["profile"]["email"] == "kari@example.org"
        assert info["user"]["locale"] == "nb-NO"
        assert "locale" not in (await client.users_info(user="U0PERSON1"))["user"]
        with pytest.raises(SlackApiError) as missing:
            await client.users_info(user="U0NOBODY1")
        assert missing.value.response["error"] == "user_not_found"

        dm = await client.conversations_open(users="U0PERSON1")
        assert dm["channel"]["id"] == "DU0PERSON1" and not dm.get("already_open")
        assert (await client.conversations_open(users="U0PERSON1"))["already_open"] is True


@pytest.mark.asyncio
async def test_429_retry_after_is_honoured_by_slack_sdk() -> None:
    async with FakeSlackAPI() as fake:
        fake.throttle_per_channel(per_second=1.0)
        client = client_for(
            fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
        )
        await client.chat_postMessage(channel="C0PLENARY", text="one")
        await client.chat_postMessage(channel="C0OTHER01", text="elsewhere")
        await client.chat_postMessage(channel="C0PLENARY", text="two")
        posts = fake.calls_to("chat.postMessage")
        assert [c.status for c in posts] == [200, 200, 429, 200]
        assert fake.throttled == 1
        assert posts[3].at - posts[2].at >= 1.0

        plain = client_for(fake)
        with pytest.raises(SlackApiError) as limited:
            await plain.chat_postMessage(channel="C0PLENARY", text="three")
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "1"


@pytest.mark.asyncio
async def test_outage_then_recovery() -> None:
    async with FakeSlackAPI() as fake:
        fake.outage(status=500, count=2)
        with pytest.raises(SlackApiError) as down:
            await client_for(fake).chat_postMessage(channel="C0PLENARY", text="x")
        assert down.value.response.status_code == 500
        retrying = client_for(
            fake,
            retry_handlers=[
                AsyncServerErrorRetryHandler(1, FixedValueRetryIntervalCalculator(0.01))
            ],
        )
        assert (await retrying.chat_postMessage(channel="C0PLENARY", text="x"))["ok"]
        assert [c.status for c in fake.calls_to("chat.postMessage")] == [500, 500, 200]
        assert fake.outage_answers == 2

        fake.outage(status=503, until=time.time() + 60)
        with pytest.raises(SlackApiError):
            await client_for(fake).auth_test()
        fake.heal()
        assert (await client_for(fake).auth_test())["user_id"] == fake.bot_user_id


@pytest.mark.asyncio
async def test_permanent_errors_auth_and_hang() -> None:
    async with FakeSlackAPI() as fake:
        fake.check_auth(TOKEN)
        with pytest.raises(SlackApiError) as denied:
            await AsyncWebClient(token="xoxb-wrong", base_url=fake.url).auth_test()
        assert denied.value.response["error"] == "invalid_auth"
        fake.fail_channel("C0GONE001", error="is_archived")
        with pytest.raises(SlackApiError) as archived:
            await client_for(fake).chat_postMessage(channel="C0GONE001", text="x")
        assert archived.value.response["error"] == "is_archived"

        fake.hang(30)
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await client_for(fake, timeout=0.2).chat_postMessage(channel="C0PLENARY", text="lost?")
        assert fake.calls_to("chat.postMessage")[-1].ok  # taken on arrival, only the answer hangs
    assert time.monotonic() - started < 25  # the fake stopped without holding out its 30 s


@pytest.mark.asyncio
async def test_file_upload_v2_and_response_url() -> None:
    async with FakeSlackAPI() as fake:
        done = await client_for(fake).files_upload_v2(
            channel="C0PLENARY", filename="plan.md", content="# Action plan\n", title="Plan"
        )
        file_id = done["file"]["id"]
        assert fake.uploads[file_id] == b"# Action plan\n"
        assert fake.calls_to(UPLOAD_METHOD)[0].ok
        assert fake.calls_to("files.completeUploadExternal")[0].args["files"][0]["id"] == file_id

        hook = await AsyncWebhookClient(fake.response_url("cmd-1")).send(
            text="Takk!", response_type="ephemeral"
        )
        assert hook.status_code == 200 and hook.body == "ok"
        (call,) = fake.calls_to(RESPONSE_URL_METHOD)
        assert call.args["text"] == "Takk!" and call.path.endswith("/cmd-1")


@pytest.mark.asyncio
async def test_signed_requests_pass_the_real_bolt_app() -> None:
    async with FakeSlackAPI() as fake:
        fake.check_auth(TOKEN)
        app = AsyncApp(signing_secret=SECRET, client=client_for(fake))
        seen: list[str] = []

        @app.command("/ogp")
        async def ogp(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
            await ack()
            await respond(text=f"heard {command['text']}")

        @app.view("propose")
        async def propose(ack: AsyncAck, view: dict[str, Any]) -> None:
            values = view["state"]["values"]
            seen.append(values["title"]["title"]["value"])
            seen.append(values["values"]["values"]["selected_options"][0]["value"])
            await ack()

        @app.action("join")
        async def join(ack: AsyncAck) -> None:
            await ack()
            seen.append("join")

        @app.event("app_home_opened")
        async def home(event: dict[str, Any]) -> None:
            seen.append(event["user"])

        async def send(body: bytes, timestamp: int | None = None) -> int:
            headers = signed_headers(SECRET, body, timestamp)
            assert SignatureVerifier(SECRET).is_valid_request(body, headers) is (timestamp is None)
            response = await app.async_dispatch(
                AsyncBoltRequest(body=body.decode(), headers=headers)
            )
            return response.status

        command = slash_command_body("status P-1", response_url=fake.response_url("c1"))
        assert await send(command) == 200
        assert await send(command, timestamp=int(time.time()) - 600) == 401
        (reply,) = await fake.wait_for(RESPONSE_URL_METHOD)
        assert reply.args["text"] == "heard status P-1"

        submission = view_submission_payload(
            "propose",
            {
                "title": text_value("Open budgets"),
                "values": checkboxes_value(["transparency"]),
                "area": select_value("open-data"),
            },
        )
        assert await send(interactivity_body(submission)) == 200
        assert await send(interactivity_body(block_actions_payload("join", value="P-1"))) == 200
        assert (
            await send(event_callback_body({"type": "app_home_opened", "user": "U0PERSON1"})) == 200
        )
        await eventually(lambda: "U0PERSON1" in seen, within=30)
        assert seen == ["Open budgets", "transparency", "join", "U0PERSON1"]
        assert fake.calls_to("auth.test", ok=True)
