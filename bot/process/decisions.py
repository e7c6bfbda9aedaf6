"""After the tables: `outcome` (the table's result), `report` (the ministry's result to the
coordinator) and `decide` (the coordinator's decision, with its published reasoned response)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.lifecycle import Step
from bot.core.model import Choice, Decision, Outcome, Proposal, Report, ReportResult, Status
from bot.core.permissions import COORDINATOR, RESPONSIBLE, require_responsible
from bot.core.reply import Action, Reply
from bot.core.word import Word
from bot.i18n.catalogue import t
from bot.process.meetings import call_off
from bot.process.plan import schedule_commitment

if TYPE_CHECKING:
    from bot.core.context import Context

MAX_TEXT = 3000
# The English words, and their bokmål and nynorsk aliases.
_AGREED = {"agreed": "agreed", "enig": "agreed", "enighet": "agreed", "enige": "agreed",
           "semje": "agreed", "samd": "agreed", "samde": "agreed"}
OUTCOMES = {**_AGREED, "bilateral": "bilateral", "bilateralt": "bilateral"}
REPORTS = {**_AGREED, "declined": "declined", "uenig": "declined", "avslått": "declined",
           "avvist": "declined", "usamd": "declined", "usamde": "declined"}
DECISIONS = {"include": "include", "inkluder": "include", "ta-med": "include",
             "exclude": "exclude", "ekskluder": "exclude", "utelat": "exclude"}


def _args(ctx: Context, rest: str, word: Word, options: dict[str, str]) -> tuple[
        Proposal, str, str]:
    """The proposal, the chosen option and any text after it; refuses what does not fit."""
    parts = rest.split(maxsplit=2)
    proposal = ctx.proposal(parts[0] if parts else None, word.verb)
    if len(parts) < 2:
        ctx.fail("error.usage", usage=word.usage)
    choice = options.get(parts[1].lower())
    if choice is None:
        ctx.fail("error.choice", text=parts[1][:40],
                 choices=", ".join(sorted(set(options.values()))))
    text = parts[2].strip() if len(parts) > 2 else ""
    if len(text) > MAX_TEXT:
        ctx.fail_n("error.too_long", len(text), length=len(text), limit=MAX_TEXT)
    return proposal, choice, text


def outcome(ctx: Context, rest: str) -> Reply:
    proposal, result, _ = _args(ctx, rest, OUTCOME, OUTCOMES)
    require_responsible(ctx, proposal, "outcome")
    ctx.require_step(proposal, Step.OUTCOME, "outcome")
    ctx.move(proposal, Status(result), f"outcome_{result}", outcome=Outcome(result))
    return ctx.reply(lines=(ctx.t(f"outcome.{result}", ref=proposal.ref),))


def report(ctx: Context, rest: str) -> Reply:
    proposal, result, text = _args(ctx, rest, REPORT, REPORTS)
    require_responsible(ctx, proposal, "report")
    ctx.require_step(proposal, Step.REPORT, "report")
    if not text:
        ctx.fail("error.text_required", word="report", usage=REPORT.usage)
    moved = ctx.move(proposal, Status.REPORTED, f"report_{result}", text,
                     report=Report(ReportResult(result), text, _language(ctx)))

    def build(lang: str) -> Reply:
        return Reply(language=lang,
                     title=t(lang, "report.notice_title", ref=moved.ref,
                             result=t(lang, f"report.{result}")),
                     lines=(moved.title, t(lang, "notice.text", text=text)),
                     actions=_decide_actions(lang, moved, result))

    ctx.notify_people(ctx.records.coordinators(), f"report:{moved.ref}:{len(moved.history)}",
                      "report", build)
    return ctx.reply(lines=(ctx.t("report.done", ref=moved.ref,
                                  result=ctx.t(f"report.{result}")),))


def _language(ctx: Context) -> str:
    """The language a report's or decision's text was written in, where known, else "" (the
    public record marks a passage in another language than the page's)."""
    return ctx.person.known_language or ""


def _decide_actions(lang: str, proposal: Proposal, result: str) -> tuple[Action, ...]:
    actions = [Action(t(lang, "card.status"), f"status {proposal.ref}")]
    if result == "agreed":
        actions.append(Action(t(lang, "decide.include_button"), f"decide {proposal.ref} include",
                              "primary"))
    return tuple(actions)


def decide(ctx: Context, rest: str) -> Reply:
    proposal, choice, reason = _args(ctx, rest, DECIDE, DECISIONS)
    step = Step.INCLUDE if choice == "include" else Step.EXCLUDE
    ctx.require_step(proposal, step, "decide")
    if choice == "exclude" and not reason:
        ctx.fail("error.reason_required", ref=proposal.ref)
    status = Status.INCLUDED if choice == "include" else Status.NOT_INCLUDED
    moved = ctx.move(proposal, status, choice, reason,
                     decision=Decision(Choice(choice), reason, _language(ctx)))
    call_off(ctx, moved)
    people = ctx.records.followers(moved)

    def build(lang: str) -> Reply:
        lines = [moved.title]
        if reason:
            lines.append(t(lang, "notice.reason", reason=reason))
        return Reply(language=lang, title=t(lang, "decide.notice_title", ref=moved.ref,
                                            result=t(lang, f"status.{status.value}")),
                     lines=tuple(lines))

    ctx.notify_people(people, f"decision:{moved.ref}", "decision", build)
    if status is Status.INCLUDED:  # a commitment of the plan: its reminders start now
        schedule_commitment(ctx.records, ctx.bot.outbox, ctx.seminar, moved, ctx.now)
    key = "decide.include" if choice == "include" else "decide.exclude"
    return ctx.reply(lines=(ctx.t(key, ref=moved.ref, reason=reason),))


OUTCOME = Word("outcome", outcome, RESPONSIBLE, aliases=("utfall",), help=("help.outcome",),
               usage="outcome P-N agreed|bilateral")
REPORT = Word("report", report, RESPONSIBLE, aliases=("rapport", "rapporter"),
              help=("help.report",), usage="report P-N agreed|declined TEXT")
DECIDE = Word("decide", decide, COORDINATOR, aliases=("beslutt", "avgjør", "avgjer"),
              help=("help.decide",), usage="decide P-N include|exclude REASON")
