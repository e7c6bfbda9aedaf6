"""Who may come in at `POST /slack/events`: checked once, here, before anything else sees the
request (slack-bolt's own signature check is switched off, so the HMAC is computed once).

- `signed`: Slack's v0 signature (HMAC-SHA256 with the signing secret over
  `v0:<timestamp>:<raw body>`), sent within the last five minutes. A timestamp or signature
  header of any other shape (non-ASCII digits, a wrong length) is simply not Slack's: 401.
- `refusal`: the parsed body is a Slack payload whose fields the adapter relies on have the
  right types (400 otherwise), from the workspace this deployment serves (`SLACK_TEAM_ID`;
  403 for another), or a handshake that names none (`url_verification`, `ssl_check`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.internals import extract_team_id

from bot.core.clock import protocol_seconds

MAX_AGE = 5 * 60  # seconds a signed request stays good
_KINDS = frozenset({"type", "command", "ssl_check"})  # a Slack payload has one of these
_NO_WORKSPACE = frozenset({"url_verification"})  # handshakes that name no workspace
# What Slack sends, and nothing else: a Unix time in ASCII digits, `v0=` and 64 hex digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed", "shortcut",
                           "message_action", "block_suggestion"})


@dataclass(frozen=True)
class Refused:
    """Why a signed request does not come in: the HTTP status and its short text."""

    status: int
    text: str


MALFORMED = Refused(400, "malformed body")
ELSEWHERE = Refused(403, "not a workspace this bot serves")


class SlackDoor:
    """The signing secret and the one workspace served ("" for any)."""

    def __init__(self, signing_secret: str, team_id: str = "",
                 wall: Callable[[], float] = protocol_seconds) -> None:
        self._secret = signing_secret.encode("utf-8")
        self.team_id = team_id
        # real time, whatever the bot's clock says: Slack stamped the request with real time
        self._wall = wall

    def signed(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        """Slack's v0 signature over the raw bytes, sent within the last five minutes."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        # Shapes first: str.isdigit and int() take digits from every script, and compare_digest
        # refuses non-ASCII text; a header of any other shape is simply not Slack's signature.
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        if abs(self._wall() - int(timestamp)) > MAX_AGE:
            return False
        base = b"v0:" + timestamp.encode("ascii") + b":" + raw
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def refusal(self, body: Any) -> Refused | None:
        """None when the parsed body may come in; else why not (400 or 403)."""
        if not isinstance(body, dict) or not _KINDS.intersection(body) or misshapen(body):
            return MALFORMED
        if not self.serves(body):
            return ELSEWHERE
        return None

    def serves(self, body: Mapping[str, Any]) -> bool:
        """True unless `SLACK_TEAM_ID` is set and the request names another workspace, or none:
        the command's or event's `team_id`, the interaction's `team.id`, and the workspace
        bolt would act for (the installation's, in a shared channel)."""
        if not self.team_id or body.get("type") in _NO_WORKSPACE or "ssl_check" in body:
            return True
        team = body.get("team")
        named = [extract_team_id(dict(body)), body.get("team_id"),
                 team.get("id") if isinstance(team, dict) else team]
        named = [value for value in named if value is not None and value != ""]
        return bool(named) and all(value == self.team_id for value in named)


def misshapen(body: Mapping[str, Any]) -> bool:
    """True for a payload whose fields the adapter relies on have the wrong types: a command
    without a user or channel, an interaction whose user, view or actions are not objects,
    an event that is not an object with a type."""
    kind = body.get("type")
    if not isinstance(kind, str | None) or not isinstance(body.get("command"), str | None):
        return True
    if "command" in body:
        return not all(isinstance(body.get(k), str) and body.get(k)
                       for k in ("command", "user_id", "channel_id"))
    if kind == "event_callback":
        event = body.get("event")
        return not (isinstance(event, dict) and isinstance(event.get("type"), str))
    if kind in _INTERACTIONS:
        user = body.get("user")
        actions = body.get("actions", [])
        return not (isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]
                    and isinstance(body.get("view", {}), dict)
                    and isinstance(actions, list)
                    and all(isinstance(action, dict) for action in actions))
    return False
