"""The TinyDB store's indexes by field: for each (collection, field) it was asked to find by,
the ids of the documents by the value of that field, kept current on every change, so a
`find` costs what it finds rather than a pass over the collection. And the work of a
collection in the order it is ready, (ready_at, key) kept sorted the same way, so a `claim`
costs what it takes rather than a pass over every notice still to be sent.

Only values that can be compared exactly are indexed (text, numbers, booleans, null), each with
its JSON kind: JSON's `1` and `true` are different values, though Python hashes them alike.
"""

from __future__ import annotations

import bisect
from typing import Any

Index = dict[tuple[str, Any], set[int]]
Order = list[tuple[float, str]]  # (ready_at, key), ascending


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


def place(order: Order, item: tuple[float, str] | None) -> None:
    if item is not None:
        bisect.insort(order, item)


def unplace(order: Order, item: tuple[float, str] | None) -> None:
    if item is not None:
        at = bisect.bisect_left(order, item)
        if at < len(order) and order[at] == item:
            del order[at]
