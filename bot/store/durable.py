"""Files that survive a crash, for the TinyDB store: written whole or not at all, private to
the bot's user, and written by one process at a time.

- `write_atomically`: a temporary file in the same folder, flushed and fsynced, renamed over the
  old one, the folder fsynced: a reader (or a crash) sees the old file or the new one, never a
  part of either.
- `lock_store`: the writer's lock (`flock` on `<file>.lock`): a second writer is refused.
- `restore`: a whole snapshot put back as the store, the store it replaces kept beside it.
- The files hold people's names and addresses: they are created 0600, in a folder the bot's
  user owns (made 0700), and any of them that others could read is narrowed.

Each step of a write that takes several is named (`reached`): a test can end the process at
any of them (`STEP_HOOK`) and look at what a crash there leaves behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.store.contract import StoreBusy, StoreError

PRIVATE = 0o600  # the store's files hold people's names and e-mail addresses
PRIVATE_FOLDER = 0o700

#: Called with the name of each step of a multi-step write as it is reached (tests only).
STEP_HOOK: Callable[[str], None] | None = None


def reached(step: str) -> None:
    """A multi-step write has done `step` (and nothing after it)."""
    if STEP_HOOK is not None:
        STEP_HOOK(step)


def own_folder(folder: Path) -> None:
    """Make `folder` (0700) when it is missing; refuse one that another user owns, since that
    user could read or replace the store's files."""
    if not folder.exists():
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        return
    if folder.stat().st_uid != os.geteuid():
        raise StoreError(f"{folder}: belongs to another user; keep the store (OGPBOT_DB) in "
                         "a folder that the user running ogpbot owns")


def narrow(path: Path) -> None:
    """Take away the group's and others' access to one of the store's files, if it exists."""
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE)


def lock_store(path: Path) -> Any:
    """Take the store's writer lock (`<file>.lock`), held until the returned file is closed;
    `StoreBusy` when another process holds it."""
    lock = path.with_name(path.name + ".lock")
    try:
        own_folder(path.parent)
        lock_file = os.fdopen(os.open(lock, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE), "a")
        narrow(lock)
    except OSError as exc:
        raise StoreError(f"{path}: cannot be opened for writing: "
                         f"{exc.strerror or exc}") from None
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock_file.close()
        raise StoreBusy(f"{path}: another ogpbot process is using this store; "
                        "stop it first or set OGPBOT_DB to another file") from None
    return lock_file


def unlock(lock_file: Any) -> None:
    """Give the writer's lock back."""
    with contextlib.suppress(OSError):
        fcntl.flock(lock_file, fcntl.LOCK_UN)
    lock_file.close()


def write_atomically(path: Path, payload: bytes) -> int:
    """Write `payload` as `path`: a temporary file in the same folder, fsynced, renamed over
    `path`, the folder fsynced; a reader sees the old file or the new one, never a part."""
    tmp = _durable_temp(path, payload)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    reached("replaced")
    fsync_folder(path.parent)
    reached("folder-synced")
    return len(payload)


def _durable_temp(path: Path, payload: bytes) -> str:
    """`payload` in a new temporary file beside `path`, fsynced: ready to be renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            reached("temp-written")
            os.fsync(f.fileno())
        reached("temp-synced")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def remove_leftovers(path: Path) -> int:
    """Delete the temporary files a crash in the middle of `write_atomically` left beside
    `path` (only the writer may: a temporary file may be on its way in); how many."""
    removed = 0
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed += 1
    return removed


def restore(path: Path, payload: bytes) -> Path | None:
    """Make `payload` (a whole TinyDB file) the store at `path`, with an empty journal; the
    store's writer lock is held throughout, so this refuses while a server uses it. The store
    it replaces is kept beside it as `<file>.before-restore` (its journal beside that, as
    `<file>.before-restore.journal`); returns that path, or None when there was no store."""
    lock_file = lock_store(path)
    try:
        aside = path.with_name(path.name + ".before-restore")
        journal = path.with_name(path.name + ".journal")
        aside_journal = aside.with_name(aside.name + ".journal")
        tmp = _durable_temp(path, payload)
        try:
            had = path.exists()
            if had:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(aside)
                os.link(path, aside)
            if journal.exists():
                os.replace(journal, aside_journal)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(aside_journal)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        fsync_folder(path.parent)
        return aside if had else None
    except OSError as exc:
        raise StoreError(f"{path}: could not be restored: {exc.strerror or exc}") from None
    finally:
        unlock(lock_file)


def fsync_folder(folder: Path) -> None:
    """Make a rename (or a new file) in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
