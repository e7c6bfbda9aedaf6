"""Signed Slack requests for ogpbot's tests: what Slack POSTs to /slack/events, headers included.

Bodies are built the way Slack sends them (slash commands and interactivity
form-encoded, events as JSON) and signed with the ``v0`` scheme that
slack_sdk's ``SignatureVerifier`` checks, so they pass through the real
slack-bolt app.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

__all__ = [
    "FORM",
    "JSON",
    "UNREACHABLE_RESPONSE_URL",
    "block_actions_payload",
    "checkboxes_value",
    "event_callback_body",
    "interactivity_body",
    "retry_headers",
    "select_value",
    "sign",
    "signed_headers",
    "slash_command_body",
    "text_value",
    "url_verification_body",
    "view_submission_payload",
]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

TEAM_ID = "T0OGP0001"
TEAM_DOMAIN = "ogp-seminar"
APP_ID = "A0OGPBOT1"
USER_ID = "U0PERSON1"
CHANNEL_ID = "C0PLENARY"

#: A loopback address nothing listens on: a reply sent there fails at once, and stays local.
UNREACHABLE_RESPONSE_URL = "http://127.0.0.1:9/response_url/unset"

_seq = itertools.count(1)


def sign(signing_secret: str, body: bytes | str, timestamp: int) -> str:
    """The ``X-Slack-Signature`` value for a body sent at ``timestamp``, made by slack_sdk's
    ``SignatureVerifier`` (the scheme slack-bolt checks).

    Slack's bodies are UTF-8 text, and ``SignatureVerifier`` signs only text: a test body that is
    not text (a hostile one) is signed over its bytes with the same ``v0`` scheme."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        assert isinstance(body, bytes)
        base = b"v0:%d:%s" % (timestamp, body)
        return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    signature = SignatureVerifier(signing_secret).generate_signature(
        timestamp=str(timestamp), body=text)
    assert signature is not None
    return signature


def signed_headers(
    signing_secret: str,
    body: bytes | str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers Slack sends with ``body``: timestamp (now unless given), signature and content type.

    ``content_type`` defaults to JSON for a body starting with ``{`` and to a form otherwise.
    """
    when = int(time.time()) if timestamp is None else timestamp
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if content_type is None:
        content_type = JSON if raw.lstrip()[:1] == b"{" else FORM
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(when),
        "X-Slack-Signature": sign(signing_secret, raw, when),
    }


def retry_headers(num: int, reason: str = "http_timeout") -> dict[str, str]:
    """The headers Slack adds when it delivers an event again."""
    return {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}


def _trigger_id() -> str:
    n = next(_seq)
    return f"{1000000000 + n}.{n}.{hashlib.sha1(str(n).encode()).hexdigest()}"


def slash_command_body(
    text: str = "",
    *,
    command: str = "/ogp",
    user_id: str = USER_ID,
    user_name: str = "person",
    channel_id: str = CHANNEL_ID,
    channel_name: str = "plenary",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    response_url: str = UNREACHABLE_RESPONSE_URL,
    trigger_id: str | None = None,
) -> bytes:
    """A slash command as Slack POSTs it (form-encoded); a fresh ``trigger_id`` unless given."""
    fields = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }
    return urlencode(fields).encode("utf-8")


def interactivity_body(payload: Mapping[str, Any]) -> bytes:
    """An interactivity request: the payload as JSON in a ``payload`` form field."""
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode("utf-8")


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def block_actions_payload(
    action_id: str,
    *,
    value: str | None = None,
    block_id: str | None = None,
    action_type: str = "button",
    user_id: str = USER_ID,
    channel_id: str | None = CHANNEL_ID,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str | None = UNREACHABLE_RESPONSE_URL,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for one clicked element (in a message, or in ``view``)."""
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id or action_id,
        "action_ts": f"{int(time.time())}.{next(_seq):06d}",
    }
    if value is not None:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": "deprecated-verification-token",
        "container": {"type": "view", "view_id": view.get("id")} if view else {"type": "message"},
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["view"] = dict(view)
    else:
        if channel_id is not None:
            payload["channel"] = {"id": channel_id, "name": "plenary"}
            payload["container"].update(channel_id=channel_id, is_ephemeral=False)
        if message is not None:
            payload["message"] = dict(message)
            payload["container"]["message_ts"] = message.get("ts")
        if response_url is not None:
            payload["response_url"] = response_url
    return payload


def text_value(value: str | None, action_type: str = "plain_text_input") -> dict[str, Any]:
    """A text input's entry in a view's ``state.values``."""
    return {"type": action_type, "value": value}


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def checkboxes_value(values: Iterable[str]) -> dict[str, Any]:
    """A checkbox group's entry in ``state.values`` with these option values ticked."""
    return {"type": "checkboxes", "selected_options": [_option(v) for v in values]}


def select_value(value: str | None, action_type: str = "static_select") -> dict[str, Any]:
    """A select menu's entry in ``state.values`` (None: nothing chosen)."""
    return {"type": action_type, "selected_option": _option(value) if value is not None else None}


def view_submission_payload(
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    view_id: str = "V0MODAL001",
    private_metadata: str = "",
    blocks: list[dict[str, Any]] | None = None,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload whose ``state.values`` hold ``values``.

    ``values`` maps a block_id to an entry such as ``text_value("Open budgets")``,
    filed under an action_id equal to the block_id (ogpbot's convention); to
    use another action_id, give ``{action_id: entry}`` instead of the entry.
    """
    state = {
        block: dict(entry) if "type" not in entry else {block: dict(entry)}
        for block, entry in values.items()
    }
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": "deprecated-verification-token",
        "trigger_id": trigger_id or _trigger_id(),
        "is_enterprise_install": False,
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": blocks or [],
            "state": {"values": state},
            "hash": f"{int(time.time())}.{next(_seq)}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": api_app_id,
            "external_id": "",
            "bot_id": "B0OGPBOT1",
        },
        "response_urls": [],
    }


def event_callback_body(
    event: Mapping[str, Any],
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> bytes:
    """An Events API ``event_callback`` envelope around ``event``, as JSON (fresh event_id)."""
    envelope = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev0{next(_seq):09d}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "U0OGPBOT1",
                "is_bot": True,
                "is_enterprise_install": False,
            },
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def url_verification_body(challenge: str) -> bytes:
    """The handshake Slack sends when the events URL is set."""
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "challenge": challenge,
            "type": "url_verification",
        }
    ).encode("utf-8")
