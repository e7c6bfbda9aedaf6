"""Moving a seminar's records from one store to another (`ogpbot migrate-store`): every
document of every collection, copied in one transaction into a store that holds none yet, then
read back from both and compared."""

from __future__ import annotations

from bot.store.contract import Doc, Store, StoreError


def snapshot(store: Store) -> dict[str, dict[str, Doc]]:
    """Every document of `store` by collection and key, read in one consistent transaction."""
    with store.transaction(readonly=True):
        return {name: dict(store.items(name)) for name in store.collections()}


def copy_store(source: Store, target: Store, target_name: str) -> dict[str, int]:
    """Copy everything in `source` into the empty `target`; return the documents copied per
    collection. Raises `StoreError` when the target already holds documents (two seminars'
    records are never mixed) or when what reads back differs from what was copied."""
    if target.collections():
        raise StoreError(f"{target_name}: already holds ogpbot records; moving a store needs "
                         "an empty one")
    documents = snapshot(source)

    def write() -> None:
        for name, docs in documents.items():
            for key, doc in docs.items():
                target.put(name, key, doc)

    target.atomically(write)
    analyze = getattr(target, "analyze", None)
    if callable(analyze):  # the database's statistics, for plans fit for what it now holds
        analyze()
    copied = snapshot(target)
    again = snapshot(source)
    for name in sorted(set(documents) | set(copied) | set(again)):
        theirs, ours, now = documents.get(name, {}), copied.get(name, {}), again.get(name, {})
        if ours != theirs:
            missing = len(set(theirs) - set(ours))
            differ = sum(1 for k in set(theirs) & set(ours) if theirs[k] != ours[k])
            raise StoreError(f"{target_name}: the copy of {name} differs from the original "
                             f"({missing} missing, {differ} different); do not use it")
        if now != theirs:
            raise StoreError(f"the original's {name} changed while it was copied (is a server "
                             "still using it?); stop it and move the store again into an "
                             "empty one")
    return {name: len(docs) for name, docs in documents.items()}
