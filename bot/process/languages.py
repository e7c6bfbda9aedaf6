"""`language nb|nn|en`: the person chooses the language of every later reply and notice;
`language` alone says which one they get now and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.permissions import ALL
from bot.core.reply import Reply
from bot.core.word import Word
from bot.i18n.catalogue import language_of, t

if TYPE_CHECKING:
    from bot.core.context import Context

# Names a person may type for a language, beside its code and a locale such as `nn-NO`.
_NAMES = {
    "bokmål": "nb", "bokmal": "nb", "bokmaal": "nb",
    "nynorsk": "nn",
    "english": "en", "engelsk": "en",
}


def language_named(word: str) -> str | None:
    """`nn`, `nynorsk`, `nn-NO` -> "nn"; None for anything that is not one of our languages."""
    lowered = word.strip().lower()
    return _NAMES.get(lowered) or language_of(lowered)


def choose(ctx: Context, rest: str) -> Reply:
    words = rest.split()
    if not words:
        return _current(ctx)
    if len(words) > 1:
        ctx.fail("error.usage", usage=LANGUAGE.usage)
    lang = language_named(words[0])
    if lang is None:
        ctx.fail("language.unknown", text=words[0][:40])
    ctx.records.save_person(ctx.person.with_changes(chosen_language=lang))
    # the answer is already in the language chosen
    return Reply(language=lang, lines=(t(lang, "language.set",
                                         language=t(lang, f"language.name.{lang}")),))


def _current(ctx: Context) -> Reply:
    person = ctx.person
    if person.chosen_language:
        why = "chosen"
    elif language_of(ctx.command.speaker.locale) or person.seen_language:
        why = "locale"
    elif person.language:
        why = "roster"
    else:
        why = "seminar"
    return ctx.reply(lines=(
        ctx.t("language.current", language=ctx.t(f"language.name.{ctx.lang}"),
              why=ctx.t(f"language.why.{why}")),
        ctx.t("language.how"),
    ))


LANGUAGE = Word("language", choose, ALL, aliases=("språk", "spraak", "målform"),
                help=("help.language",), usage="language nb|nn|en")
