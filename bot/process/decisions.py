"""After the tables: `outcome` (the table's result), `report` (the ministry's result to the
coordinator) and `decide` (the coordinator's decision, with its published reasoned response)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.core.lifecycle import Step
from bot.core.model import Choice, Decision, Outcome, Proposal, Report, ReportResult, Status
from bot.core.notice import Say
from bot.core.permissions import COORDINATOR, RESPONSIBLE, require_responsible
from bot.core.reply import Action, Reply
from bot.core.word import Word
from bot.core.writing import Composer, Writing
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
                     report=Report(ReportResult(result), text, ctx.written_in))

    ctx.notify_people(ctx.records.coordinators(), f"report:{moved.ref}:{len(moved.history)}",
                      "report", Say(REPORTED, {"proposal": moved.number, "result": result,
                                               "text": text}))
    return ctx.reply(lines=(ctx.t("report.done", ref=moved.ref,
                                  result=ctx.t(f"report.{result}")),))



def write_reported(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`proposal.reported`: the ministry's result and text, for the coordinators (with the
    button that includes it, when the ministry agreed)."""
    p = w.proposal(values)
    if p is None:
        return "the proposal is gone"
    result = str(values.get("result", ""))
    actions = [Action(w.t("card.status"), f"status {p.ref}")]
    if result == "agreed":
        actions.append(Action(w.t("decide.include_button"), f"decide {p.ref} include",
                              "primary"))
    return Reply(language=w.lang,
                 title=w.t("report.notice_title", ref=p.ref, result=w.t(f"report.{result}")),
                 lines=(p.title, w.t("notice.text", text=str(values.get("text", "")))),
                 actions=tuple(actions))


def write_decided(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`proposal.decided`: the coordinator's decision and its published reason."""
    p = w.proposal(values)
    if p is None:
        return "the proposal is gone"
    lines = [p.title]
    if values.get("reason"):
        lines.append(w.t("notice.reason", reason=str(values["reason"])))
    return Reply(language=w.lang, title=w.t("decide.notice_title", ref=p.ref,
                                            result=w.t(f"status.{values.get('status')}")),
                 lines=tuple(lines))


REPORTED, DECIDED = "proposal.reported", "proposal.decided"
MESSAGES: dict[str, Composer] = {REPORTED: write_reported, DECIDED: write_decided}


def decide(ctx: Context, rest: str) -> Reply:
    proposal, choice, reason = _args(ctx, rest, DECIDE, DECISIONS)
    step = Step.INCLUDE if choice == "include" else Step.EXCLUDE
    ctx.require_step(proposal, step, "decide")
    if choice == "exclude" and not reason:
        ctx.fail("error.reason_required", ref=proposal.ref)
    status = Status.INCLUDED if choice == "include" else Status.NOT_INCLUDED
    moved = ctx.move(proposal, status, choice, reason,
                     decision=Decision(Choice(choice), reason, ctx.written_in))
    call_off(ctx, moved)
    people = ctx.records.followers(moved)
    ctx.notify_people(people, f"decision:{moved.ref}", "decision",
                      Say(DECIDED, {"proposal": moved.number, "status": status.value,
                                    "reason": reason}))
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
