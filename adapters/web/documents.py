"""The public record as JSON (`/api/proposals`, `/api/proposals/P-N`): the documents of
`bot.record.public`, written out. In the list, each proposal's part is written once for each
version and language and kept, as the pages keep their rows: the list written anew after a
write writes one proposal and joins the rest."""

from __future__ import annotations

import json
from typing import Any

from bot.core.model import Proposal
from bot.record.public import Filters, Snapshot, list_head, one_json, public_dict


def dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)


class Documents:
    """Writes the record's JSON, keeping each proposal's part of the list. Safe to share
    between worker threads (a race writes a part twice, never a wrong one)."""

    def __init__(self) -> None:
        self._written: dict[tuple[str, int], tuple[Proposal, str]] = {}

    def _part(self, snap: Snapshot, p: Proposal, lang: str) -> str:
        kept = self._written.get((lang, p.number))
        if kept is None or kept[0] is not p:
            kept = (p, dumps(public_dict(snap, p, lang, history=False)))
            self._written[(lang, p.number)] = kept
        return kept[1]

    def listing(self, snap: Snapshot, filters: Filters, lang: str) -> str:
        """`list_json`, written out: the same document, its proposals joined from kept parts."""
        shown = [p for p in snap.proposals if filters.matches(p)]
        head = dumps(list_head(snap, filters, lang, len(shown)))
        parts = ", ".join(self._part(snap, p, lang) for p in shown)
        return f'{head[:-1]}, "proposals": [{parts}]}}'

    @staticmethod
    def one(snap: Snapshot, p: Proposal, lang: str) -> str:
        return dumps(one_json(snap, p, lang))
