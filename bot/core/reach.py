"""How the bot reaches people and conversations later, kept for a platform adapter: what it
needs to write into a conversation (for Teams, a conversation reference), what reaches each
person directly (their 1:1 conversation, service address, tenant), the last account the bot
was seen under, and whether a person can be reached on the platform at all.

The documents are opaque JSON to the core: the adapter makes them and reads them back, the
core keeps them, merges changes in, and writes only what changed (a busy seminar sends the
same reference with every message). Stored per platform in `<platform>_conversations`,
`<platform>_people` and `<platform>_meta`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.records import Records

Doc = dict[str, Any]
LAST = "last"


class Reach:
    """One platform's way back to people and conversations, and who blocked the bot there."""

    def __init__(self, records: Records, platform: str) -> None:
        self.records = records
        self.platform = platform
        self.conversations = f"{platform}_conversations"
        self.people = f"{platform}_people"
        self.meta = f"{platform}_meta"

    # -- reading ---------------------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Doc | None:
        return self.records.store.get(self.conversations, conversation_id)

    def contact(self, user_id: str) -> Doc | None:
        """What reaches one person directly, as last remembered."""
        return self.records.store.get(self.people, user_id)

    def last_seen(self) -> Doc:
        """What the latest activity came with (for the bot's own account and address)."""
        return self.records.store.get(self.meta, LAST) or {}

    # -- remembering -----------------------------------------------------------------------------

    def remember(self, *, conversation: tuple[str, Doc] | None = None,
                 last_seen: Doc | None = None, contacts: Mapping[str, Doc] | None = None
                 ) -> None:
        """Keep what one authenticated activity showed: its conversation (id and document),
        the bot's account and address, and what reaches each person in it; one transaction,
        and no write at all when nothing changed."""
        def keep() -> None:
            if conversation is not None:
                self._merge(self.conversations, conversation[0], conversation[1])
            if last_seen is not None:
                self._merge(self.meta, LAST, last_seen)
            for user_id, doc in (contacts or {}).items():
                self._merge(self.people, user_id, doc)

        self.records.atomically(keep)

    def update_contact(self, user_id: str, **changes: Any) -> None:
        """Change some of what reaches one person (a 1:1 opened anew, an email looked up): read,
        merged and written in one transaction, run again if it collided, so a change made
        meanwhile by another thread or replica is kept, not written over."""
        self.records.atomically(
            lambda: self._merge(self.people, user_id, {"id": user_id, **changes}))

    def _merge(self, collection: str, key: str, doc: Doc) -> None:
        store = self.records.store
        stored = store.get(collection, key)
        merged = {**(stored or {}), **doc}
        if merged != stored:
            store.put(collection, key, merged)

    # -- reachable or not ------------------------------------------------------------------------

    def mark_unreachable(self, user_id: str, reason: str) -> bool:
        """The person behind `user_id` blocked or removed the bot: notices stop trying this
        platform for them (the dispatcher tells the coordinator). False: nobody has that id."""
        records = self.records

        def mark() -> bool:
            person = records.person_by_platform(self.platform, user_id)
            if person is None:
                return False
            if person.unreachable.get(self.platform) != reason:
                records.save_person(person.with_changes(
                    unreachable={**person.unreachable, self.platform: reason}))
            return True

        return records.atomically(mark)

    def reachable_again(self, user_id: str) -> None:
        """The person behind `user_id` wrote to the bot: it can reach them again."""
        records = self.records
        person = records.person_by_platform(self.platform, user_id)
        if person is None or self.platform not in person.unreachable:
            return  # the common case, without a transaction
        def unmark() -> None:
            fresh = records.person(person.key)
            if fresh is not None and self.platform in fresh.unreachable:
                left = {k: v for k, v in fresh.unreachable.items() if k != self.platform}
                records.save_person(fresh.with_changes(unreachable=left))

        records.atomically(unmark)
