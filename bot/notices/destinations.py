"""Where a notice goes: its target (a person, a conversation, the announcement channel) turned
into a place on a connected platform, as things are when it goes out.

A person is reached on the platform they last wrote to the bot from, else on any other that
has an id for them. A roster person who has never written to the bot has no id yet: they are
`Unreached`, and each platform that can is asked for them by e-mail (`look_up`); an id found is
remembered (`link`), so the next notice goes straight to them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.core.model import Person
from bot.core.notice import Target, TargetKind
from bot.core.records import ANNOUNCE_SETTING
from bot.core.redact import pseudonym

if TYPE_CHECKING:
    from bot.core.records import Records
    from bot.notices.port import Notifier

log = logging.getLogger("ogpbot.dispatcher")

LOOK_UP_WITHIN = 60.0  # seconds one platform may take to say whether it knows an e-mail


class Via(StrEnum):
    """How a notice reaches its place: posted in a conversation, or sent to a person."""

    POST = "post"
    DIRECT = "direct"


@dataclass(frozen=True)
class Destination:
    """Where one notice goes on one platform: a conversation to post in, or a person to DM."""

    platform: str
    kind: Via
    address: str
    label: str
    reference: dict[str, Any] | None = None

    @property
    def in_log(self) -> str:
        """How a log line names this place: a conversation by its label, a person by a
        stand-in (their label is their name)."""
        return self.label if self.kind is Via.POST else pseudonym(self.address)

    @property
    def place(self) -> str:
        """The place as a key may hold it: a person's platform id only as a stand-in."""
        address = self.address if self.kind is Via.POST else pseudonym(self.address)
        return f"{self.platform}:{address}"

    @property
    def lane(self) -> tuple[str, str, str]:
        """Messages in the same lane are paced one after another."""
        return (self.platform, self.kind, self.address)


@dataclass(frozen=True)
class Unreached:
    """A person with no id on any connected platform yet (a roster person who has not written
    to the bot): their notices wait, and each platform that can is asked for them by email."""

    person: Person


def resolve(records: Records, platforms: Mapping[str, Notifier],
            target: Target) -> Destination | Unreached | str:
    """The destination of `target` now on one of `platforms`, a person not reachable yet, or
    why there is none (reads the store: call it in a worker thread)."""
    if target.kind is TargetKind.ANNOUNCE:
        chosen = records.setting(ANNOUNCE_SETTING)
        if not chosen:
            return "no announcement channel: the coordinator sets it with `channel here`"
        platform = chosen.get("platform", "")
        if platform not in platforms:
            return f"the announcement channel is on {platform}, which is not connected"
        return Destination(platform, Via.POST, chosen["conversation"],
                           chosen.get("name") or chosen["conversation"],
                           chosen.get("reference") or None)
    if target.kind is TargetKind.CONVERSATION:
        if target.platform is None or target.platform not in platforms \
                or not target.conversation:
            return f"no notifier for {target.platform}"
        return Destination(target.platform, Via.POST, target.conversation, target.conversation)
    person = records.person(target.person or "")
    if person is None:
        return f"unknown person {target.person}"
    # The platform they last wrote from first; then any other that can reach them.
    for platform in sorted(person.platform_ids, key=lambda p: p != person.last_platform):
        if platform in platforms and platform not in person.unreachable:
            return Destination(platform, Via.DIRECT, person.platform_ids[platform], person.name)
    return Unreached(person)


async def look_up(notifiers: Mapping[str, Notifier], person: Person) -> Destination | None:
    """Ask each connected platform for `person` by e-mail; where they are found, or None."""
    if not person.email:
        return None
    for platform, notifier in notifiers.items():
        if platform in person.unreachable:
            continue
        try:
            user_id = await asyncio.wait_for(notifier.find_user(person.email), LOOK_UP_WITHIN)
        except Exception:  # a lookup that fails is a lookup that found nobody, for now
            log.warning("looking up %s on %s failed", pseudonym(person.key), platform,
                        exc_info=True)
            continue
        if user_id:
            return Destination(platform, Via.DIRECT, user_id, person.name)
    return None


def link(records: Records, person_key: str, platform: str, user_id: str) -> None:
    """Remember the id a platform gave for a person (inside a store transaction)."""
    person = records.person(person_key)
    if person is not None and person.platform_ids.get(platform) != user_id:
        records.save_person(person.with_changes(
            platform_ids={**person.platform_ids, platform: user_id}))
