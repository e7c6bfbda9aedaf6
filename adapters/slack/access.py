"""Who may come in at `POST /slack/events`: checked once, here, before anything else sees the
request (slack-bolt's own signature check is switched off, so the HMAC is computed once).

- `signed`: Slack's v0 signature (HMAC-SHA256 with the signing secret over
  `v0:<timestamp>:<raw body>`), sent within the last five minutes. A timestamp or signature
  header of any other shape (non-ASCII digits, a wrong length) is simply not Slack's: 401.
- `refusal`: the parsed body is a Slack payload whose fields the adapter relies on have the
  right types (400 otherwise), delivered for an installation in a workspace this deployment
  serves (`SLACK_TEAM_ID`; 403 for another: `installation_of`, the installation Slack names,
  not the workspace hosting a Slack Connect channel), or a handshake that names none
  (`url_verification`, `ssl_check`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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
    """The signing secret and the workspaces served (none named: any)."""

    def __init__(self, signing_secret: str, teams: frozenset[str] = frozenset(),
                 wall: Callable[[], float] = protocol_seconds) -> None:
        self._secret = signing_secret.encode("utf-8")
        self.teams = teams  # the workspaces served (SLACK_TEAM_ID); empty: any
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
        """True unless `SLACK_TEAM_ID` is set and the installation Slack delivered the
        request for (`installation_of`) is not one of its workspaces, or is not named."""
        if not self.teams or body.get("type") in _NO_WORKSPACE or "ssl_check" in body:
            return True
        return installation_of(body) in self.teams


def installation_of(body: Mapping[str, Any]) -> str | None:
    """The workspace whose installation of the bot Slack delivered `body` for (for an
    org-wide installation, the organisation): an event's `authorizations[0]`, an
    interaction's `view.app_installed_team_id`, else its `team`, a slash command's `team_id`.

    Not the workspace that hosts a Slack Connect channel, which an event's top-level `team_id`
    names: the ministry's coordinator in a channel an organisation hosts is served through the
    ministry's installation, and the organisation's people in a channel the ministry shares
    through the same."""
    if "command" in body:
        return _named(body.get("team_id"))
    grants = body.get("authorizations")
    if isinstance(grants, list) and grants and isinstance(grants[0], dict):
        grant = grants[0]
        return _named(grant.get("team_id")) or _named(grant.get("enterprise_id"))
    view = body.get("view")
    if isinstance(view, dict) and _named(view.get("app_installed_team_id")):
        return _named(view.get("app_installed_team_id"))
    team = body.get("team")
    if isinstance(team, dict) and _named(team.get("id")):
        return _named(team.get("id"))
    if _named(team):
        return _named(team)
    if body.get("type") != "event_callback":
        enterprise = body.get("enterprise")
        if isinstance(enterprise, dict) and _named(enterprise.get("id")):
            return _named(enterprise.get("id"))  # an org-wide installation's interaction
    return _named(body.get("team_id"))


def _named(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


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
