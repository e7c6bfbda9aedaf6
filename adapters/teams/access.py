"""Who may come in at `POST /api/messages`, and which addresses the bot may call back.

The endpoint is in one of three modes, decided once from the settings and the host `serve`
listens on (`door_of`):

- credentials (`MicrosoftAppId` and `MicrosoftAppPassword`, or with `MicrosoftAppType`
  `UserAssignedMSI` the managed identity's client id alone, and at least one tenant in
  `MicrosoftAppTenantId` / `OGPBOT_TEAMS_TENANTS`; `SingleTenant` and `UserAssignedMSI` need
  `MicrosoftAppTenantId`, the tenant the registration is in): every activity carries a Bot Framework
  token, checked by botbuilder (signature, issuer, audience = our app id); the token must be
  the channel's own (issuer `https://api.botframework.com`) and vouch for the activity's
  `serviceUrl` (its `serviceurl` claim), else 401; the activity's tenant must be allowed,
  else 403. Only such an activity may name who is speaking by Entra object id or lead to a
  member lookup for an email.
- emulator (`OGPBOT_TEAMS_EMULATOR=1`, on a loopback host, without credentials): for the Bot
  Framework Emulator on this machine; nothing is authenticated, so only a loopback
  `serviceUrl` is ever called (403 otherwise) and nobody is known by email or object id.
- off: the route is not there (404); the start-up line says why.

`refusal` names the two misuses `serve` refuses to start with: the emulator on a host other
people can reach, and the emulator together with credentials. What the bot keeps from an
activity records how it came in (`via`), so a notice is only ever sent to an address that
the current mode trusts: one a token vouched for, or (in emulator mode) one on loopback.
"""

from __future__ import annotations

import enum
import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
)

from adapters.teams.references import tenant_of
from adapters.teams.settings import TeamsSettings
from bot.core.settings import Settings

log = logging.getLogger("ogpbot.teams")

VIA_TOKEN = "token"  # kept from an activity whose Bot Framework token vouched for it
VIA_EMULATOR = "emulator"  # kept from an unauthenticated activity in emulator mode
_CHANNEL_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
_SERVICE_URL_CLAIM = "serviceurl"


#: `MicrosoftAppType`, as botbuilder reads it (any case), and as the start-up line names it.
MULTI_TENANT = "multitenant"
MANAGED_IDENTITY = "userassignedmsi"
APP_TYPES = {"singletenant": "SingleTenant", MANAGED_IDENTITY: "UserAssignedMSI",
             MULTI_TENANT: "MultiTenant"}


class Mode(enum.Enum):
    OFF = "off"
    EMULATOR = "emulator"
    CREDENTIALS = "credentials"


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str | None) -> bool:
    """An http(s) address on this machine."""
    try:
        parts = urlsplit(url or "")
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and is_loopback(host or "")


def refusal(settings: Settings, host: str) -> str | None:
    """The sentence `serve` stops with when the Teams settings would open a door; None when
    they are fine (on or off)."""
    teams = TeamsSettings.of(settings)
    value = teams.emulator
    if value in ("", "0"):
        return None
    if value != "1":
        return f"OGPBOT_TEAMS_EMULATOR must be 1 or unset, not {value!r}."
    if teams.app_id or teams.app_password:
        return ("OGPBOT_TEAMS_EMULATOR=1 turns off the Teams endpoint's authentication, so it "
                "cannot be used together with MicrosoftAppId or MicrosoftAppPassword: unset "
                "one or the other.")
    if not is_loopback(host):
        return ("OGPBOT_TEAMS_EMULATOR=1 turns off the Teams endpoint's authentication, so "
                f"serve must listen on a loopback host such as 127.0.0.1, not {host}.")
    return None


@dataclass(frozen=True)
class Door:
    """The endpoint's mode, why it is in it, and the tenants it lets in."""

    mode: Mode
    why: str
    app_id: str = ""
    tenants: frozenset[str] = frozenset()

    def may_call(self, service_url: str | None, via: str | None) -> bool:
        """Whether a kept address may be called in this mode: in credentials mode only one a
        token vouched for, in emulator mode only one on loopback."""
        if not service_url:
            return False
        if self.mode is Mode.CREDENTIALS:
            return via == VIA_TOKEN
        if self.mode is Mode.EMULATOR:
            return is_loopback_url(service_url)
        return False


def door_of(settings: Settings, host: str) -> Door:
    problem = refusal(settings, host)
    if problem is not None:
        return Door(Mode.OFF, f"refused: {problem}")
    teams = TeamsSettings.of(settings)
    if teams.emulator == "1":
        return Door(Mode.EMULATOR, "Bot Framework Emulator only, without authentication")
    app_id, password = teams.app_id, teams.app_password
    kind = teams.app_type.strip().lower() or MULTI_TENANT
    if kind not in APP_TYPES:
        return Door(Mode.OFF, f"MicrosoftAppType {teams.app_type!r} is none of "
                              "SingleTenant, UserAssignedMSI and MultiTenant")
    managed = kind == MANAGED_IDENTITY
    if not app_id and not password:
        return Door(Mode.OFF, "no MicrosoftAppId and MicrosoftAppPassword; for the Bot "
                              "Framework Emulator set OGPBOT_TEAMS_EMULATOR=1 on a loopback host")
    if managed and password:
        return Door(Mode.OFF, "MicrosoftAppType UserAssignedMSI takes no MicrosoftAppPassword "
                              "(the managed identity is the credential): unset it")
    if not password and not managed:
        return Door(Mode.OFF, "MicrosoftAppId without MicrosoftAppPassword")
    if not app_id:
        return Door(Mode.OFF, "MicrosoftAppPassword without MicrosoftAppId")
    if kind != MULTI_TENANT and not teams.app_tenant_id:
        return Door(Mode.OFF, f"MicrosoftAppType {APP_TYPES[kind]} without "
                              "MicrosoftAppTenantId (the tenant the app is registered in)")
    tenants = frozenset(t.lower() for t in teams.allowed_tenants)
    if not tenants:
        return Door(Mode.OFF, "no tenant allowed: set MicrosoftAppTenantId (or "
                              "OGPBOT_TEAMS_TENANTS for a multi-tenant app)")
    return Door(Mode.CREDENTIALS, f"app {app_id} ({APP_TYPES[kind]}), tenant(s) "
                                  f"{', '.join(sorted(tenants))}", app_id, tenants)


class Refused(Exception):
    """An activity the door does not let in: `status` is the answer (401 or 403)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


@dataclass(frozen=True)
class Admitted:
    """An activity the door let in: botbuilder's result, the tenant it was let in for (empty
    in emulator mode) and how it came in."""

    result: AuthenticateRequestResult
    tenant: str
    via: str

    @property
    def vouched(self) -> bool:
        """A token vouched for it: its object id and member lookup may say who is speaking."""
        return self.via == VIA_TOKEN


async def admit(door: Door, auth: BotFrameworkAuthentication, activity: Activity,
                header: str) -> Admitted:
    """Authenticate one activity; `Refused` (401 or 403) when the door stays shut."""
    try:
        result = await auth.authenticate_request(activity, header)
    except Exception as exc:  # PermissionError, a malformed JWT, unknown keys: all 401
        raise Refused(401, type(exc).__name__) from None
    if door.mode is Mode.EMULATOR:
        if not is_loopback_url(activity.service_url):
            raise Refused(403, "a serviceUrl off this machine in emulator mode")
        return Admitted(result, "", VIA_EMULATOR)
    if door.mode is not Mode.CREDENTIALS:
        raise Refused(401, "the endpoint is off")
    identity = result.claims_identity
    claims = identity.claims if identity is not None and identity.is_authenticated else {}
    if not isinstance(claims, dict) or claims.get("iss") != _CHANNEL_ISSUER:
        raise Refused(401, "not a token of the Bot Framework channel")
    if not activity.service_url or claims.get(_SERVICE_URL_CLAIM) != activity.service_url:
        raise Refused(401, "the serviceUrl is not the one the token vouches for")
    tenant = tenant_of(activity).lower()
    if tenant not in door.tenants:
        raise Refused(403, "a tenant this deployment does not serve")
    return Admitted(result, tenant, VIA_TOKEN)
