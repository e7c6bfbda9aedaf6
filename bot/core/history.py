"""A proposal's history in words: what one entry, or the ministry's report, says in the
reader's language, everywhere it is shown (chat cards, the public record, the export)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.model import COMPLETION, HistoryEntry, Report
from bot.i18n.catalogue import known, t
from bot.i18n.formatting import format_when

PROGRESS = "progress"


def history_text(h: HistoryEntry, lang: str, tz: ZoneInfo, now: datetime | None = None,
                 year: bool = False) -> str:
    """One entry's "what"; an action this version does not know shows as its key. A date in
    it has its year with `year`, or when it is not `now`'s year."""
    if h.action == "meeting":
        try:
            when = format_when(datetime.fromisoformat(h.detail), lang, tz, year=year, now=now)
        except ValueError:
            when = h.detail
        return t(lang, "history.meeting", when=when)
    progress = progress_of(h)
    if progress is not None:
        level, text = progress
        return t(lang, "history.progress_report", level=t(lang, f"completion.{level}"),
                 text=text)
    key = f"history.{h.action}"
    if not known(key):
        return f"{h.action}: {h.detail}" if h.detail else h.action
    if h.detail and known(f"{key}.detail"):  # a sentence that says the detail itself
        return t(lang, f"{key}.detail", detail=h.detail)
    text = t(lang, key)
    return f"{text}: {h.detail}" if h.detail else text


# The entries whose detail is text the person who wrote the entry typed (a report, a reason, a
# new milestone), and so in the language the entry keeps (`HistoryEntry.language`); any other
# detail is a number, a moment, a name, or text someone else wrote.
_TYPED = frozenset({"report_agreed", "report_declined", "include", "exclude", "milestone_added"})


def typed_detail(h: HistoryEntry) -> str:
    """The part of the entry's detail that its writer typed (a progress report's text, a
    reason, a report, a new milestone's text), or "" where it holds none."""
    progress = progress_of(h)
    if progress is not None:
        return progress[1]
    return h.detail if h.action in _TYPED else ""


def progress_action(level: str) -> str:
    """The history action of a progress report at `level` (one of `COMPLETION`): the level is
    a key of the entry, the text its detail."""
    return f"{PROGRESS}_{level}"


def progress_of(h: HistoryEntry) -> tuple[str, str] | None:
    """A progress report's level and text, or None for another entry. Entries written before
    the level was a key of its own hold it at the start of the detail (`limited: text`)."""
    if h.action.startswith(PROGRESS + "_") and h.action[len(PROGRESS) + 1:] in COMPLETION:
        return h.action[len(PROGRESS) + 1:], h.detail
    if h.action == PROGRESS:
        level, sep, text = h.detail.partition(": ")
        if sep and level in COMPLETION:
            return level, text
    return None


def report_label(report: Report, lang: str) -> str:
    """The ministry's result in words ("enighet")."""
    return t(lang, f"report.{report.result.value}")
