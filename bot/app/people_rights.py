"""A person's rights over what the bot keeps about them (GDPR articles 15 and 17):
`show` gathers everything stored about one person, `forget` erases them.

Who a person is, in the store: their person records (found by e-mail address), the keys of
those records, their platform ids, every name they were known by, and any document whose
`email` field is theirs (a Teams member look-up, say). Everything is searched for all of
these, in every collection, keys included, so a collection added later is covered too.

Erasing keeps the process's record honest:
- their person records, their platform-id links, and every document keyed by one of their ids
  are deleted, and so are the notices addressed to them;
- their proposals stay, under the organisation they spoke for, or as "a private individual"
  when they named none; every history entry of theirs stays, by "an erased person";
- their person key is replaced everywhere by one random key (`erased:…`), the same in every
  document, so the record still shows that one person did these things, but not who;
- wherever else their name, e-mail address or a platform id of theirs appears in text (the
  notices others were sent about them, stored replies), it is replaced by "an erased person".
A roster person cannot be erased while the seminar file lists them: the roster would bring
them back at the next start. The store is compacted afterwards where it can be, so no older
version of a changed document is left in its files.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.core.people import ERASED, roster_key
from bot.core.records import PEOPLE, PERSON_IDS
from bot.core.seminar import Seminar
from bot.i18n.catalogue import t
from bot.notices.outbox import OUTBOX
from bot.store.contract import Doc, Documents

# Fields that hold a person's name: in a document that is theirs they are erased; in anyone
# else's, a name that happens to be the same is left alone.
NAME_FIELDS = frozenset({"name", "actor_name", "proposer_name", "by_name", "user_name",
                         "display_name", "real_name"})
SHORTEST_NAME = 3  # a shorter "name" is not searched for in free text


class PeopleError(Exception):
    """The request cannot be carried out; the message says why, for the operator."""


@dataclass
class Identity:
    """Everything that identifies one person in the store."""

    email: str
    keys: set[str] = field(default_factory=set)  # person keys
    ids: set[str] = field(default_factory=set)  # platform user ids, and "<platform>:<id>"
    names: set[str] = field(default_factory=set)

    @property
    def found(self) -> bool:
        return bool(self.keys or self.ids)

    def exact(self) -> set[str]:
        """Strings that, standing alone, are this person."""
        return {*self.keys, *self.ids, self.email}


def identify(store: Documents, email: str) -> Identity:
    """Who `email` is in the store (an empty `Identity` when nobody)."""
    email = email.strip().lower()
    me = Identity(email)
    for collection in store.collections():
        for key, doc in store.items(collection):
            if isinstance(doc.get("email"), str) and doc["email"].strip().lower() == email:
                if collection == PEOPLE:
                    me.keys.add(key)
                    me.names.add(str(doc.get("name") or ""))
                    for platform, user_id in (doc.get("platform_ids") or {}).items():
                        me.ids.update((str(user_id), f"{platform}:{user_id}"))
                else:
                    me.ids.add(key)
    if store.get(PEOPLE, roster_key(email)) is not None:
        me.keys.add(roster_key(email))
    # every name they acted under (a name changes when their platform profile does)
    for _, doc in store.items("proposals"):
        if doc.get("proposer") in me.keys:
            me.names.add(str(doc.get("proposer_name") or ""))
        for entry in doc.get("history") or []:
            if isinstance(entry, dict) and entry.get("actor") in me.keys:
                me.names.add(str(entry.get("actor_name") or ""))
    me.names = {n.strip() for n in me.names if len(n.strip()) >= SHORTEST_NAME}
    return me


class _Matcher:
    """Finds a person's identifiers in text, and replaces them: a person key by the erased
    key, anything else by the words for an erased person."""

    def __init__(self, me: Identity, erased_key: str, erased_name: str) -> None:
        self.me = me
        self.erased_key = erased_key
        self.erased_name = erased_name
        self._keys = {k.lower() for k in me.keys}
        everything = sorted({*me.exact(), *me.names} - {""}, key=len, reverse=True)
        self._any = _pattern(everything)
        self._no_names = _pattern(sorted(me.exact() - {""}, key=len, reverse=True))

    def mentions(self, text: str) -> bool:
        return self._any is not None and self._any.search(text) is not None

    def text(self, text: str, names: bool = True) -> str:
        if text in self.me.keys:
            return self.erased_key
        pattern = self._any if names else self._no_names
        if pattern is None:
            return text
        return pattern.sub(self._replacement, text)

    def _replacement(self, m: re.Match[str]) -> str:
        return self.erased_key if m.group(0).lower() in self._keys else self.erased_name

    def theirs(self, doc: dict[str, Any]) -> bool:
        """A document (or part of one) with one of their identifiers standing alone in it."""
        exact = self.me.exact()
        return any(isinstance(v, str) and (v in exact or v.lower() == self.me.email)
                   for v in doc.values())

    def value(self, value: Any, names: bool = True) -> Any:
        """`value` with the person replaced everywhere in it."""
        if isinstance(value, str):
            return self.text(value, names)
        if isinstance(value, list):
            return [self.value(v, names) for v in value]
        if isinstance(value, dict):
            mine = self.theirs(value)
            out: dict[str, Any] = {}
            for k, v in value.items():
                if k in NAME_FIELDS and isinstance(v, str) and v:
                    out[k] = self.erased_name if mine else self.text(v, names=False)
                else:
                    out[k] = self.value(v, names)
            return out
        return value


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    terms = [re.escape(term) for term in terms]
    if not terms:
        return None
    return re.compile(rf"(?<![\w@.])(?:{'|'.join(terms)})(?![\w@])", re.IGNORECASE)


def show(store: Documents, email: str) -> dict[str, Any]:
    """Everything stored about the person with `email`, by collection: the documents that
    hold one of their identifiers anywhere (keys included), each with its key, as they stood
    at one moment (one read-only transaction)."""
    with store.transaction(readonly=True):
        return _show(store, email)


def _show(store: Documents, email: str) -> dict[str, Any]:
    me = identify(store, email)
    if not me.found:
        raise PeopleError(f"nobody with the e-mail address {email} is stored")
    matcher = _Matcher(me, "", "")
    found: dict[str, list[dict[str, Any]]] = {}
    for collection in store.collections():
        for key, doc in sorted(store.items(collection), key=lambda item: item[0]):
            if key in me.exact() or matcher.mentions(key) or matcher.mentions(_text_of(doc)):
                found.setdefault(collection, []).append({"key": key, "document": doc})
    return {"email": me.email, "person_keys": sorted(me.keys),
            "platform_ids": sorted(me.ids),
            "names": sorted(me.names), "stored": found}


@dataclass(frozen=True)
class Erasure:
    """What `forget` did: the key that now stands for the person, and by collection how many
    documents were deleted and how many changed."""

    erased_key: str
    deleted: dict[str, int]
    changed: dict[str, int]


def forget(store: Documents, seminar: Seminar, email: str,
           new_key: Callable[[], str] | None = None) -> Erasure:
    """Erase the person with `email` (see the module's docstring), in one transaction (run
    again from the start if it collided with another); the store is then compacted."""
    email = email.strip().lower()
    listed = [i for i, p in enumerate(seminar.people, 1) if p.email.lower() == email]
    if listed:
        raise PeopleError(
            f"{email} is on the roster of {seminar.source or 'the seminar file'} "
            f"([[people]] #{listed[0]}): take them off the roster first (the roster would "
            "bring them back at the next start), then forget them")
    lang = seminar.language
    erased_key = (new_key or (lambda: f"{ERASED}{secrets.token_hex(6)}"))()
    erased_name = t(lang, "record.erased_person")
    private = t(lang, "record.private_individual")

    def erase() -> Erasure:
        deleted: dict[str, int] = {}
        changed: dict[str, int] = {}
        me = identify(store, email)
        if not me.found:
            raise PeopleError(f"nobody with the e-mail address {email} is stored")
        org_names = {str(doc.get("org_name")) for key, doc in store.items(PEOPLE)
                     if key in me.keys and doc.get("org_name")}
        matcher = _Matcher(me, erased_key, erased_name)
        for collection in store.collections():
            for key, doc in store.items(collection):
                if _gone(collection, key, doc, me):
                    store.delete(collection, key)
                    deleted[collection] = deleted.get(collection, 0) + 1
                    continue
                new = doc
                if collection == "proposals" and doc.get("proposer") in me.keys:
                    new = _anonymous_proposal(doc, org_names, erased_key, erased_name, private)
                new = matcher.value(new)
                new_doc_key = matcher.text(key)
                if new_doc_key != key:
                    store.delete(collection, key)
                if new != doc or new_doc_key != key:
                    store.put(collection, new_doc_key, new)
                    changed[collection] = changed.get(collection, 0) + 1
        return Erasure(erased_key, deleted, changed)

    done = store.atomically(erase)  # one transaction, run again if it collided
    compact = getattr(store, "compact", None)
    if callable(compact):
        compact()
    return done


def _gone(collection: str, key: str, doc: Doc, me: Identity) -> bool:
    """Whether the document is the person's own, to be deleted rather than changed."""
    if key in me.keys or key in me.ids:
        return True
    if collection == PERSON_IDS:
        return doc.get("person") in me.keys
    if collection == OUTBOX:
        return doc.get("for_person") in me.keys or (
            (doc.get("target") or {}).get("person") in me.keys)
    return isinstance(doc.get("email"), str) and doc["email"].strip().lower() == me.email


def _anonymous_proposal(doc: Doc, org_names: set[str], erased_key: str, erased_name: str,
                        private: str) -> Doc:
    """The proposal of an erased person: by the erased key, under their organisation (a
    seminar organisation, or one they named), else as a private individual."""
    own = doc.get("organization_key") is None and doc.get("organization") not in org_names
    return {**doc, "proposer": erased_key, "proposer_name": erased_name,
            "organization": private if own else doc.get("organization")}


def _text_of(value: Any) -> str:
    """Every string in a document, one a line (what `show` searches)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_text_of(k) + "\n" + _text_of(v) for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_text_of(v) for v in value)
    return ""
