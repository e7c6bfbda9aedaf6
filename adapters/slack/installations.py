"""Where the bot is installed in Slack: one document per workspace (or Enterprise Grid
organisation, for an org-wide install) in ogpbot's own store, TinyDB or PostgreSQL, through
the `Store` contract; slack-bolt's OAuth flow saves into it and its authorisation reads from
it (`AsyncInstallationStore`, bot tokens only: the bot asks for no user token).

A document holds what Slack said of the installation (app, workspace and its name, the bot's
user and its scopes, who installed it and when) and the bot token, with its refresh token and
expiry when the app rotates tokens, sealed with `OGPBOT_SECRET_KEY` (`adapters.sealing`): the
store, its backups and copies hold no token anyone can use. A token that does not open (the
key changed) is as good as none: the workspace must install the bot again, and the log says so
once per workspace.

Uninstalling (`app_uninstalled`) or revoking the bot's token (`tokens_revoked`) deletes the
workspace's document; bolt's token revocation listeners call `async_delete_all` and
`async_delete_bot` for them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.sealing import Sealer, Unsealable
from bot.core.redact import pseudonym
from bot.store.contract import Doc, Store

INSTALLATIONS = "slack_installations"
_SEALED = ("bot_token", "bot_refresh_token")
# what a document keeps in the clear (the rest of the Bot: names and ids, no secret)
_KEPT = ("app_id", "enterprise_id", "enterprise_name", "team_id", "team_name", "bot_id",
         "bot_user_id", "bot_scopes", "bot_token_expires_at", "is_enterprise_install",
         "installed_at")

log = logging.getLogger("ogpbot.slack")


def installation_key(enterprise_id: str | None, team_id: str | None,
                     is_enterprise_install: bool | None = False) -> str:
    """The document's key: the organisation for an org-wide install, else the workspace."""
    if is_enterprise_install:
        return f"{enterprise_id or ''}:"
    return f"{enterprise_id or ''}:{team_id or ''}"


class StoreInstallations(AsyncInstallationStore):
    """slack-bolt's installation store on ogpbot's store, tokens sealed."""

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.store = store
        self.sealer = sealer
        self._told: set[str] = set()  # workspaces whose unopenable token was logged

    @property
    def logger(self) -> logging.Logger:
        return log

    # -- saving --------------------------------------------------------------------------------

    async def async_save(self, installation: Installation) -> None:
        bot = installation.to_bot()
        await asyncio.to_thread(self._save, bot, installation.user_id)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self._save, bot, None)

    def _save(self, bot: Bot, installer: str | None) -> None:
        key = installation_key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        fields = vars(bot)  # as given: times as numbers, scopes as a list
        doc: Doc = {name: _plain(fields.get(name)) for name in _KEPT}
        doc["sealed"] = {name: self.sealer.seal(str(fields[name])) for name in _SEALED
                         if fields.get(name)}

        def save() -> None:
            before = self.store.get(INSTALLATIONS, key) or {}
            doc["installer"] = installer or before.get("installer")  # a rotation keeps it
            self.store.put(INSTALLATIONS, key, doc)

        self.store.atomically(save)
        self._told.discard(key)

    # -- finding -------------------------------------------------------------------------------

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        found = await asyncio.to_thread(self._find, enterprise_id, team_id,
                                        is_enterprise_install)
        return None if found is None else found[0]

    async def async_find_installation(
            self, *, enterprise_id: str | None, team_id: str | None,
            user_id: str | None = None,
            is_enterprise_install: bool | None = False) -> Installation | None:
        found = await asyncio.to_thread(self._find, enterprise_id, team_id,
                                        is_enterprise_install)
        if found is None:
            return None
        bot, installer = found
        if user_id is not None and user_id != installer:
            return None  # only the installer's, and no user token is kept anyway
        values = {name: value for name, value in vars(bot).items() if name != "custom_values"}
        return Installation(user_id=installer or "", **values)

    def find_bot(self, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        """`async_find_bot` for code that runs in a worker thread."""
        found = self._find(enterprise_id, team_id, is_enterprise_install)
        return None if found is None else found[0]

    def _find(self, enterprise_id: str | None, team_id: str | None,
              is_enterprise_install: bool | None) -> tuple[Bot, str | None] | None:
        key = installation_key(enterprise_id, team_id, is_enterprise_install)
        doc = self.store.get(INSTALLATIONS, key)
        if doc is None and enterprise_id and not is_enterprise_install:
            doc = self.store.get(INSTALLATIONS, installation_key(enterprise_id, None, True))
        if doc is None:
            return None
        try:
            tokens: dict[str, Any] = {name: self.sealer.open(value)
                      for name, value in (doc.get("sealed") or {}).items() if name in _SEALED}
        except Unsealable:
            if key not in self._told:
                self._told.add(key)
                log.error("slack: the token of workspace %s does not open with "
                          "OGPBOT_SECRET_KEY (was the key changed?); install the bot there "
                          "again", team_id or enterprise_id)
            return None
        if not tokens.get("bot_token"):
            return None
        values: dict[str, Any] = {name: doc.get(name) for name in _KEPT}
        values["bot_scopes"] = values.get("bot_scopes") or ""
        return Bot(**values, **tokens), doc.get("installer")

    def workspaces(self) -> list[Doc]:
        """Every installation, without its tokens: `team_id`, `team_name`, `enterprise_id`…"""
        return [{k: v for k, v in doc.items() if k != "sealed"}
                for doc in self.store.all(INSTALLATIONS)]

    # -- deleting ------------------------------------------------------------------------------

    async def async_delete_bot(self, *, enterprise_id: str | None,
                               team_id: str | None) -> None:
        await asyncio.to_thread(self._delete, enterprise_id, team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None,
                                        team_id: str | None,
                                        user_id: str | None = None) -> None:
        """A person's own installation: the bot keeps no user token, so there is nothing to
        delete for one person; without `user_id`, the workspace's installation goes."""
        if user_id is None:
            await asyncio.to_thread(self._delete, enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None,
                               team_id: str | None) -> None:
        await asyncio.to_thread(self._delete, enterprise_id, team_id)

    def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        key = installation_key(enterprise_id, team_id, not team_id)
        self.store.delete(INSTALLATIONS, key)
        log.info("slack: the installation in %s is gone (uninstalled, or its token revoked)",
                 pseudonym(key))


def _plain(value: Any) -> Any:
    """A JSON value for the store: Slack's scopes as one comma-separated text."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value
