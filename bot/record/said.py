"""A passage of the public record and the language it is written in, so that a page in one
language can mark a passage in another (WCAG 3.1.2): names from the seminar file are in the
seminar's language, a proposal's text in the language its writer wrote in, where that is
known, and the bot's own sentences in the reader's."""

from __future__ import annotations

from bot.core.model import TEXT_FIELDS, Proposal
from bot.core.seminar import Seminar


class Said(str):
    """Text, with `lang` the language it is written in ("" where that is not known). As a
    `str` it is the text itself, so whatever only shows text needs to know nothing more."""

    lang: str

    def __new__(cls, text: str, lang: str = "") -> Said:
        said = super().__new__(cls, text)
        said.lang = lang
        return said

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (str(self), self.lang)


def named(seminar: Seminar, name: str) -> Said:
    """A name the seminar file gives (an organisation, an area, the seminar itself): in the
    seminar's language."""
    return Said(name, seminar.language)


def text_languages(p: Proposal) -> dict[str, str]:
    """Each text field's language: that of the version that last changed it ("" where its
    writer's language is not known)."""
    languages: dict[str, str] = {}
    before = None
    for version in p.versions:
        for name in TEXT_FIELDS:
            if before is None or getattr(version, name) != getattr(before, name):
                languages[name] = version.language
        before = version
    return languages


def texts_said(p: Proposal) -> dict[str, Said]:
    """The proposal's current text fields, each with its language."""
    languages = text_languages(p)
    return {name: Said(text, languages.get(name, "")) for name, text in p.texts().items()}
