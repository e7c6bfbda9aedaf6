"""The words the bot understands: the first word (English, or its bokmål or nynorsk alias) picks
a word from the lookup tables below, made from each word's one declaration (`bot.core.word`,
listed in `bot.process.guide`); its handler reads the rest."""

from __future__ import annotations

import functools
import re

from bot.core.word import FormHandler, Word
from bot.process.guide import WORDS

BY_VERB: dict[str, Word] = {word.verb: word for word in WORDS}


def _tables() -> tuple[dict[str, str], tuple[tuple[tuple[str, ...], str], ...],
                       dict[str, dict[str, str]]]:
    """One-word names -> verb; names of several words (`bli med`), in the order declared;
    and for a word that others follow, their second words -> their verbs. A name claimed by
    two words is a mistake, found when the bot starts."""
    single: dict[str, str] = {}
    phrases: list[tuple[tuple[str, ...], str]] = []
    second: dict[str, dict[str, str]] = {}
    for word in WORDS:
        table = second.setdefault(word.follows, {}) if word.follows else single
        for name in word.names:
            if " " in name and not word.follows:
                phrases.append((tuple(name.casefold().split()), word.verb))
                continue
            if name in table:
                raise ValueError(f"«{name}» names both {table[name]} and {word.verb}")
            table[name] = word.verb
    return single, tuple(phrases), second


ALIASES, PHRASES, FOLLOWERS = _tables()

# A submitted form's id -> the word whose roles may send it, and the form's handler.
FORMS: dict[str, tuple[Word, FormHandler]] = {
    form_id: (word, handler) for word in WORDS for form_id, handler in word.forms.items()}


@functools.lru_cache(maxsize=1024)  # a command's words are read more than once on its way
def parse(words: str) -> tuple[str | None, str]:
    """`("meet", "P-1 2026-12-03 14:00")`; `(None, words)` when the first word is unknown."""
    text = words.strip()
    for phrase, meant in PHRASES:
        parts = re.split(r"\s+", text, maxsplit=len(phrase))
        if tuple(p.casefold() for p in parts[:len(phrase)]) == phrase:
            return meant, parts[len(phrase)].strip() if len(parts) > len(phrase) else ""
    parts = re.split(r"\s+", text, maxsplit=1)
    first = parts[0].lower()
    rest = parts[1].strip() if len(parts) > 1 else ""
    verb = ALIASES.get(first)
    if verb is None:
        return None, text
    follower = FOLLOWERS.get(verb, {}).get(rest.lower())
    if follower is not None:
        return follower, ""
    return verb, rest
