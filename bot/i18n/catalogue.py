"""Every sentence a person reads, in Norwegian bokmål (nb), nynorsk (nn) and English (en).

The sentences live in gettext catalogues a translator can open, one per language:
`bot/i18n/locale/<lang>/LC_MESSAGES/ogpbot.po`. A message's msgid is the key the code asks
for ("error.unknown_word"); its text has `str.format` placeholders that every language shares.
A sentence about a number has plural forms (`tn`). Babel reads the catalogues once, at import.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("nb", "nn", "en")
SOURCE = "nb"  # the language every key is written in first; the others must have the same keys
DOMAIN = "ogpbot"


def _po(language: str) -> bytes:
    return (resources.files("bot.i18n") / "locale" / language / "LC_MESSAGES"
            / f"{DOMAIN}.po").read_bytes()


@cache
def _translations(language: str) -> Translations:
    catalog = read_po(io.BytesIO(_po(language)), locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@cache
def keys() -> frozenset[str]:
    """Every key of the source catalogue."""
    catalog = read_po(io.BytesIO(_po(SOURCE)), locale=SOURCE, domain=DOMAIN)
    return frozenset(m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id)


def known(key: str) -> bool:
    """Whether the catalogue has a sentence for `key`."""
    return key in keys()


def _check(language: str, key: str) -> str:
    if key not in keys():
        raise KeyError(f"no message {key!r} in the catalogue")
    return language if language in LANGUAGES else SOURCE


def t(language: str, key: str, /, **values: object) -> str:
    """The sentence `key` in `language`, with `values` filled in."""
    template = _translations(_check(language, key)).gettext(key)
    if template == key:
        raise KeyError(f"message {key!r} has plural forms: ask for it with tn()")
    return template.format(**values) if values else template


def tn(language: str, key: str, count: int, /, **values: object) -> str:
    """The sentence `key` in `language` in the plural form for `count` (given as `{count}`
    unless `values` fills that placeholder itself)."""
    template = _translations(_check(language, key)).ngettext(key, key, count)
    return template.format(**{"count": count, **values})


def language_name(language: str) -> str:
    """A language's name in that language itself, as a language switch offers it ("Norsk
    bokmål", "Norsk nynorsk", "English"): from Babel's locale data."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def language_of(locale: str | None) -> str | None:
    """A platform locale as one of our languages: `"nn-NO"`, `"nn"` -> "nn" (nynorsk);
    `"nb-NO"`, `"no"` -> "nb"; `"en-GB"` -> "en"; anything else -> None."""
    if not locale:
        return None
    head = locale.replace("_", "-").split("-")[0].lower()
    if head == "nn":
        return "nn"
    if head in ("nb", "no"):
        return "nb"
    if head == "en":
        return "en"
    return None
