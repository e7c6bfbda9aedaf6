"""The Teams adapter's settings, read from the environment the process started with
(`Settings.env`): the Bot Framework registration (`MicrosoftAppId`, `MicrosoftAppPassword`,
`MicrosoftAppTenantId`, `MicrosoftAppType`), the tenants served beside the app's own, and the
Bot Framework Emulator switch. The password never appears in `repr`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.settings import Settings


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""  # MicrosoftAppId
    app_password: str = field(default="", repr=False)  # MicrosoftAppPassword
    app_tenant_id: str = ""  # MicrosoftAppTenantId
    app_type: str = ""  # MicrosoftAppType: MultiTenant (default) | SingleTenant | UserAssignedMSI
    tenants: tuple[str, ...] = ()  # OGPBOT_TEAMS_TENANTS: tenants beside the app's own
    emulator: str = ""  # OGPBOT_TEAMS_EMULATOR as given: "1" for the Bot Framework Emulator

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TeamsSettings:
        return cls(
            app_id=env.get("MicrosoftAppId", ""),
            app_password=env.get("MicrosoftAppPassword", ""),
            app_tenant_id=env.get("MicrosoftAppTenantId", ""),
            app_type=env.get("MicrosoftAppType", ""),
            tenants=tuple(t.strip() for t in env.get("OGPBOT_TEAMS_TENANTS", "").split(",")
                          if t.strip()),
            emulator=env.get("OGPBOT_TEAMS_EMULATOR", "").strip(),
        )

    @classmethod
    def of(cls, settings: Settings) -> TeamsSettings:
        """The Teams settings of the environment `settings` were read from."""
        return cls.from_env(settings.env)

    @property
    def home_tenant(self) -> str:
        """The Entra tenant a roster person's `aad_object_id` is in unless they name another:
        `MicrosoftAppTenantId`, else the one tenant of `OGPBOT_TEAMS_TENANTS`, else none."""
        if self.app_tenant_id:
            return self.app_tenant_id.lower()
        return self.tenants[0].lower() if len(self.tenants) == 1 else ""

    @property
    def allowed_tenants(self) -> frozenset[str]:
        """The Microsoft Entra tenants whose people may use the bot in Teams."""
        named = (self.app_tenant_id, *self.tenants)
        return frozenset(t for t in named if t)


def home_tenant(settings: Settings) -> str:
    """The home tenant (`TeamsSettings.home_tenant`) of the environment `settings` came from:
    what the composition root hands `Runtime.open`."""
    return TeamsSettings.of(settings).home_tenant
