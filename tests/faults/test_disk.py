"""The disk refusing writes: a genuinely full file system (a small tmpfs, when this user may
mount one), and ENOSPC injected where the store meets the OS (always).
The person gets the storage sentence, nothing is half-written, reads keep working, and once
the disk takes writes again the next proposal gets the next number."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n.catalogue import t
from bot.store import journal as tinydb_journal
from bot.store.tinydb_file import TinyDBStore
from tests.chat import CSO, Chat

REFUSED = t("nb", "error.storage")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    folder.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                              capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("cannot run mount here")
    if done.returncode != 0:
        pytest.skip("this user may not mount a tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=10)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as f:
        while True:
            f.write(b"x" * 4096)
            f.flush()
    return filler


def numbers(path: Path) -> list[int]:
    store = TinyDBStore(path, readonly=True)
    try:
        return sorted(d["number"] for d in store.all("proposals"))
    finally:
        store.close()


def refused_then_recovered(chat: Chat, path: Path, heal: object) -> None:
    reply = chat.say(CSO, "propose Nummer to | Lite innsyn | Publiser | transparency | innsyn "
                          "| jd")
    assert not reply.ok and reply.lines == (REFUSED,)
    assert "P-1" in chat.say(CSO, "status P-1").text  # reads still served
    assert chat.say(CSO, "status P-2").lines == (t("nb", "error.unknown_proposal", ref="P-2"),)
    assert numbers(path) == [1]  # file and journal load, with nothing of the refused write
    heal()  # type: ignore[operator]
    assert chat.propose(CSO) == "P-2"
    assert numbers(path) == [1, 2]


def test_a_full_tmpfs(tiny_disk: Path) -> None:
    path = tiny_disk / "ogpbot.json"
    chat = Chat(store=TinyDBStore(path))
    assert chat.propose(CSO) == "P-1"
    filler = fill(tiny_disk)
    refused_then_recovered(chat, path, filler.unlink)
    chat.store.close()


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_enospc_at_the_os_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   call: str) -> None:
    path = tmp_path / "ogpbot.json"
    chat = Chat(store=TinyDBStore(path))
    assert chat.propose(CSO) == "P-1"
    size = path.with_name(path.name + ".journal").stat().st_size

    def no_space(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if call == "fsync":
        monkeypatch.setattr(tinydb_journal.os, "fsync", no_space)
    else:
        real_write = os.write

        def half_write(fd: int, data: bytes) -> int:
            """The journal takes a few bytes of a line, then the disk is full."""
            if not os.readlink(f"/proc/self/fd/{fd}").endswith(".journal"):
                return real_write(fd, data)
            if len(data) > 7:
                return real_write(fd, bytes(data[:7]))
            no_space()
            return 0

        monkeypatch.setattr(tinydb_journal.os, "write", half_write)
    refused_then_recovered(chat, path, monkeypatch.undo)
    assert path.with_name(path.name + ".journal").stat().st_size > size
    chat.store.close()
