"""The TinyDB store's journal (`<file>.journal`): one line per transaction, the documents it
changed, appended and fsynced before the transaction returns.

A line is `{"changes": [[collection, key, doc_id, document or null], ...]}`: whole documents,
so replaying a line twice, or over a file that already holds it, changes nothing.

A crash can leave only a torn tail: the end of a line whose transaction never returned (cut
short, or bytes the file system never filled in). Reading stops at the last whole line;
opening for writing cuts the tail off, and each append checks that the journal still ends
where the last whole line did, so a line never follows a damaged one. A line glued onto a
torn one (written before appends checked their start) is read from where it starts. A damaged
line with a whole line after it makes the journal unusable: it is refused, never rewritten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot.store.contract import Doc, StoreError
from bot.store.durable import PRIVATE, reached

log = logging.getLogger("ogpbot.store")

# One change: (collection, key, doc_id, document or None for a deletion).
Change = tuple[str, str, int, Doc | None]
_LINE_START = b'{"changes":'


@dataclass
class JournalRead:
    """What a journal holds: its whole entries, where the last of them ends (the rest is a
    torn tail), the lines read from a later start because a torn write was glued before them,
    and the first damaged line when a whole line follows it (the journal is then unusable)."""

    entries: list[list[Change]]
    good_end: int
    glued: list[int]
    damaged_line: int | None = None


def encode(changes: list[Change]) -> bytes:
    """One transaction's journal line."""
    return (json.dumps({"changes": changes}, ensure_ascii=False, separators=(",", ":"))
            + "\n").encode("utf-8")


def _entry(line: bytes) -> list[Change] | None:
    try:
        entry = json.loads(line)
        return [(c, k, int(i), d) for c, k, i, d in entry["changes"]]
    except (ValueError, KeyError, TypeError):
        return None


def read_journal(raw: bytes) -> JournalRead:
    """Parse a journal. A line that does not parse may be a torn write with a whole one glued
    on (journals written before writes checked their start): it is read from the first later
    point where an entry begins that parses to the end of the line. Damaged lines with no
    whole line after them are the torn tail; a whole line after a damaged one makes the
    journal damaged."""
    read = JournalRead([], 0, [])
    first_bad: int | None = None
    start = 0
    for number, line in enumerate(raw.split(b"\n")[:-1], 1):
        end = start + len(line) + 1
        entry = _entry(line)
        if entry is None:
            at = line.find(_LINE_START, 1)
            while entry is None and at > 0:
                entry = _entry(line[at:])
                at = line.find(_LINE_START, at + 1)
            if entry is not None:
                read.glued.append(number)
        if entry is None:
            first_bad = first_bad or number
        elif first_bad is not None:
            read.damaged_line = first_bad
            return read
        else:
            read.entries.append(entry)
            read.good_end = end
        start = end
    return read


class JournalFile:
    """The journal on disk: read whole, appended to line by line, emptied by a compaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.end = 0  # where the last whole line ends: the next append starts here
        self._tail = (0, 0)  # as last read: where its whole lines end, and its size

    def read(self) -> list[list[Change]]:
        """Every whole entry, in order (none when there is no journal); `StoreError` when a
        damaged line has a whole one after it."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self._tail = (0, 0)
            return []
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot be read: {exc.strerror or exc}") from None
        read = read_journal(raw)
        if read.damaged_line is not None:
            raise StoreError(f"{self.path}: line {read.damaged_line} is damaged; the store "
                             "was left untouched: move the journal aside or restore a backup")
        for number in read.glued:
            log.warning("store %s: journal line %d began with the torn end of an earlier "
                        "write; the whole write after it was kept", self.path, number)
        self._tail = (read.good_end, len(raw))
        return read.entries

    def cut_torn_tail(self) -> None:
        """Cut the journal (as last read) back to its last whole line, so no write lands
        behind a torn one."""
        good_end, size = self._tail
        self.end = good_end
        if size == good_end:
            return
        try:
            fd = os.open(self.path, os.O_WRONLY)
            try:
                os.ftruncate(fd, good_end)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreError(f"{self.path}: its torn end could not be cut off: "
                             f"{exc.strerror or exc}") from None
        log.warning("store %s: cut %d byte(s) of a write torn by a crash off the end of the "
                    "journal; every whole write is kept", self.path, size - good_end)

    def append(self, data: bytes) -> None:
        """Append whole lines and fsync them; a refused write (a full disk, a read-only one)
        is cut off again, and a journal that does not end where the last whole line did (a
        write cut off that could not be undone) is cut back first, so a line never follows a
        torn one. Unbuffered on purpose: a buffered file retries its flush when asked to
        truncate, and fails again. Raises `OSError`."""
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE)
        try:
            if os.fstat(fd).st_size != self.end:
                os.ftruncate(fd, self.end)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):  # else the next append cuts it
                    os.ftruncate(fd, self.end)
                raise
            self.end += len(data)
        finally:
            os.close(fd)

    def empty(self) -> None:
        """Empty the journal (its lines are all in the file now) and fsync it. Raises
        `OSError`."""
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
        try:
            self.end = 0
            reached("journal-emptied")
            os.fsync(fd)
        finally:
            os.close(fd)
        reached("journal-synced")
