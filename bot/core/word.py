"""A word of the grammar, declared once beside its handler: the verb, its other spellings
(bokmål, nynorsk, English variants), the handler, the roles that may use it, its lines in
`help`, its usage and the forms it answers. The grammar (`bot.app.grammar`), the help
(`bot.process.guide`) and the permission check (`bot.core.permissions`) all read this one
declaration, so adding a word touches the module of its handler, the grammar's list of words
and the catalogues."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.model import Role
    from bot.core.prepared import Prepared
    from bot.core.reply import Reply

Handler = Callable[["Context", str], "Reply | Prepared"]
"""A word's handler: the context and the words after the verb, to a reply (or slow work)."""

FormHandler = Callable[["Context", Mapping[str, Any]], "Reply"]
"""A submitted form's handler: the context and the form's fields, to a reply."""


@dataclass(frozen=True)
class Word:
    """One word a person may write first. `verb` is its English name, the one the help, the
    refusals and the metrics use; `aliases` are its other spellings, any of them several
    words long (`bli med`). A word that `follows` another is that word's second word
    (`tables assign`): written after it, alone, as the last word of `verb` or an alias.
    `who` are the roles that may use it at all (what a person may do to one proposal is
    decided in `bot.core.permissions`); `help` the catalogue keys of its lines in `help`, in
    order; `usage` how it is written, for the sentence that says so; `forms` the ids of the
    forms whose submission it answers, with their handlers. A word that `reads` only reads
    as a rule (`status`): it runs in a transaction that expects no writes, which a shared
    store can run with fewer round trips, and runs again in one that may write when it
    writes after all (a speaker's first command, which learns who they are)."""

    verb: str
    handler: Handler
    who: frozenset[Role]
    aliases: tuple[str, ...] = ()
    help: tuple[str, ...] = ()
    usage: str = ""
    forms: Mapping[str, FormHandler] = field(default_factory=dict, hash=False)
    follows: str = ""
    reads: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling that calls this word: for a word that follows another, its second
        words."""
        own = self.verb.split()[-1] if self.follows else self.verb
        return (own, *self.aliases)
