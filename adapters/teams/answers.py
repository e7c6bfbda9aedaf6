"""The Teams side of the inbox's turns for what a restart left (`bot.app.turns.Responder`):
an activity acknowledged (201) whose turn never ran, or whose answer never went out.

There is no turn context after a restart (botbuilder's answer path needs the request), so
the command is completed from what the bot kept (the email a member lookup gave, for the same
tenant) and the answer goes to the person by DM, through the Teams notifier: its 1:1 opened
or found again, paced and retried, and handed to the outbox when Teams will not take it now.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from adapters.teams.inbound import PLATFORM
from adapters.teams.notifier import TeamsNotifier
from bot.app.inbox import Item
from bot.core.command import Command
from bot.core.reach import Reach
from bot.core.reply import Reply


class TeamsAnswers:
    platform = PLATFORM

    def __init__(self, notifier: TeamsNotifier, reach: Reach) -> None:
        self.notifier = notifier
        self.reach = reach

    async def prepare(self, item: Item) -> Command:
        """The command with the email and account tenant a member lookup gave before, for the
        same tenant (only for an activity a token vouched for: `tenant` in the route)."""
        command = item.command
        tenant = item.route.get("tenant")
        if not tenant or command.speaker.email:
            return command
        known = await asyncio.to_thread(self.reach.contact, command.speaker.user_id) or {}
        if known.get("email_tenant") != tenant:
            return command
        speaker = command.speaker
        if speaker.aad_object_id and known.get("member_tenant"):  # their account's tenant
            speaker = replace(speaker, tenant_id=str(known["member_tenant"]))
        if known.get("email"):
            speaker = replace(speaker, email=str(known["email"]))
        return replace(command, speaker=speaker)

    async def answer(self, item: Item, reply: Reply) -> None:
        await self.notifier.direct(command_user(item), reply)


def command_user(item: Item) -> str:
    return str(item.route.get("user") or item.command.speaker.user_id)
