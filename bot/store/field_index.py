"""The TinyDB store's indexes by field: for each (collection, field) it was asked to find by,
the ids of the documents by the value of that field, kept current on every change, so a
`find` costs what it finds rather than a pass over the collection.

Only values that can be compared exactly are indexed (text, numbers, booleans, null), each with
its JSON kind: JSON's `1` and `true` are different values, though Python hashes them alike.
"""

from __future__ import annotations

from typing import Any

Index = dict[tuple[str, Any], set[int]]


def indexable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def token(value: Any) -> tuple[str, Any]:
    """The index key of a field value: its JSON kind with it (a `str` subclass, like an enum,
    is text)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("text", str(value))
    return ("null", None)


def add(index: Index, value: Any, doc_id: int) -> None:
    if indexable(value):
        index.setdefault(token(value), set()).add(doc_id)


def discard(index: Index, value: Any, doc_id: int) -> None:
    if indexable(value):
        ids = index.get(token(value))
        if ids is not None:
            ids.discard(doc_id)
            if not ids:
                del index[token(value)]
