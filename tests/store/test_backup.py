"""`ogpbot backup` and `ogpbot restore` on their own: a snapshot is a store `OGPBOT_DB` opens,
a file that is not a store is never put back, and the store itself is never its own backup."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli import main
from bot.store.contract import StoreError
from bot.store.tinydb_file import TinyDBStore


def make_store(path: Path, titles: list[str]) -> None:
    store = TinyDBStore(path)
    for n, title in enumerate(titles, 1):
        store.put("proposals", str(n), {"number": n, "title": title})
    store.close()


def titles(path: Path) -> list[str]:
    store = TinyDBStore(path, readonly=True)
    try:
        return sorted(d["title"] for d in store.all("proposals"))
    finally:
        store.close()


def test_a_backup_restores_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ogpbot.json"
    monkeypatch.setenv("OGPBOT_DB", str(db))
    monkeypatch.setenv("OGPBOT_SEMINAR", str(tmp_path / "missing.toml"))
    make_store(db, ["Åpne logger", "Lobbyregister"])
    assert main(["backup", str(tmp_path / "copy.json")]) == 0
    assert "(2 dokumenter)" in capsys.readouterr().err
    store = TinyDBStore(db)
    store.put("proposals", "3", {"number": 3, "title": "Etterpå"})
    store.close()
    assert main(["restore", str(tmp_path / "copy.json")]) == 0
    assert titles(db) == ["Lobbyregister", "Åpne logger"]
    assert titles(tmp_path / "ogpbot.json.before-restore") == [
        "Etterpå", "Lobbyregister", "Åpne logger"]


def test_what_is_not_a_store_is_never_restored(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ogpbot.json"
    monkeypatch.setenv("OGPBOT_DB", str(db))
    make_store(db, ["Åpne logger"])
    (tmp_path / "notes.json").write_text('{"not": "a store"}', encoding="utf-8")
    assert main(["restore", str(tmp_path / "notes.json")]) == 1
    assert "is not an ogpbot store" in capsys.readouterr().err
    assert titles(db) == ["Åpne logger"]
    assert not (tmp_path / "ogpbot.json.before-restore").exists()
    assert main(["backup", str(db)]) == 1
    assert "is the store itself" in capsys.readouterr().err
    assert titles(db) == ["Åpne logger"]


def test_restore_refuses_while_the_store_is_in_use(tmp_path: Path) -> None:
    from bot.store.backup import backup, restore

    db = tmp_path / "ogpbot.json"
    make_store(db, ["Åpne logger"])
    backup(str(db), str(tmp_path / "copy.json"))
    in_use = TinyDBStore(db)
    try:
        with pytest.raises(StoreError, match="another ogpbot process"):
            restore(str(db), str(tmp_path / "copy.json"))
    finally:
        in_use.close()
