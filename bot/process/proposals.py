"""`propose`, `status` and `withdraw`: creating proposals, showing them, and taking them back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.core.commitment import imported_note, is_imported, stated_reason
from bot.core.history import history_text, report_label
from bot.core.lifecycle import Step, can
from bot.core.model import HistoryEntry, Meeting, Proposal, Role, Status, proposal_number
from bot.core.notice import Say
from bot.core.people import is_erased
from bot.core.permissions import ALL, PROPOSERS, may_edit, require_withdrawer
from bot.core.reply import Action, Field, Reply
from bot.core.word import Word
from bot.core.writing import Composer, Writing
from bot.process.meetings import call_off
from bot.process.milestones import milestone_line
from bot.process.new_proposals import tell_new
from bot.process.plan import commitment_lines
from bot.process.proposal_form import (
    FORM_ID,
    Draft,
    build_form,
    needs_organization,
    parse_line,
    validate,
)

if TYPE_CHECKING:
    from bot.core.context import Context

__all__ = ["FORM_ID", "PROPOSE", "STATUS", "WITHDRAW", "card", "propose", "status",
           "submit_form", "withdraw"]

MAX_LIST = 25
HISTORY_SHOWN = 10
NOTES_SHOWN = 5


def propose(ctx: Context, rest: str) -> Reply:
    """`propose` alone asks for the form; `propose A | B | …` submits in one line."""
    if "|" not in rest:
        typed = {"title": rest} if rest else {}
        return ctx.reply(title=ctx.t("propose.form_title"),
                         form=build_form(ctx.seminar, ctx.person, ctx.lang, typed))
    parts = parse_line(rest)
    if isinstance(parts, int):
        ctx.fail("propose.line_parts", count=parts)
    return _submit(ctx, parts, as_form=False)


def submit_form(ctx: Context, fields: Mapping[str, Any]) -> Reply:
    return _submit(ctx, fields, as_form=True)


def _submit(ctx: Context, fields: Mapping[str, Any], as_form: bool) -> Reply:
    draft, errors = validate(ctx.seminar, ctx.person, ctx.lang, fields)
    if draft is None:
        form = build_form(ctx.seminar, ctx.person, ctx.lang, fields) if as_form else None
        return ctx.reply(ok=False, title=ctx.t("propose.not_saved"), errors=errors, form=form)
    proposal = _create(ctx, draft)
    ministry = ctx.seminar.org_name(proposal.ministry)
    _tell_new(ctx, proposal)
    return ctx.reply(
        title=ctx.t("propose.done", ref=proposal.ref),
        fields=(Field(ctx.t("card.status"), ctx.t("status.submitted")),
                Field(ctx.t("card.ministry"), ministry)),
        lines=(proposal.title, ctx.t("propose.next", ministry=ministry, ref=proposal.ref)),
        actions=(Action(ctx.t("card.status"), f"status {proposal.ref}"),),
    )


def _create(ctx: Context, draft: Draft) -> Proposal:
    person = ctx.person
    if needs_organization(person):
        org_name = draft.organization or person.org_name or person.name
        if draft.organization and draft.organization != person.org_name:
            person = person.with_changes(org_name=draft.organization)
            ctx.records.save_person(person)
        org_key = None
    else:
        org_name = ctx.seminar.org_name(person.org or "")
        org_key = person.org
    number = ctx.records.next_number()
    entry = HistoryEntry(ctx.now, person.key, person.name, "proposed", Status.SUBMITTED)
    proposal = Proposal(
        number=number, title=draft.title, problem=draft.problem,
        description=draft.description, values=draft.values, area=draft.area,
        ministry=draft.ministry, proposer=person.key, proposer_name=person.name,
        organization=org_name, organization_key=org_key, status=Status.SUBMITTED,
        created_at=ctx.now, history=(entry,),
        # the milestones are in the language of the text they came with
        milestones=tuple(replace(m, language=ctx.written_in) for m in draft.milestones),
        goal=draft.goal, results=draft.results,
    )
    first = replace(proposal.first_version(), language=person.known_language or "")
    proposal = replace(proposal, versions=(first,))
    ctx.records.save_proposal(proposal)
    return proposal


def _tell_new(ctx: Context, proposal: Proposal) -> None:
    """The coordinator and the responsible ministry hear of every new proposal: at once, or
    in their digest (`bot.process.new_proposals`)."""
    coordinators = ctx.records.coordinators()
    people = [*coordinators, *(p for p in ctx.records.people_of(proposal.ministry)
                               if p.role is not Role.COORDINATOR)]
    tell_new(ctx, people, proposal)


def status(ctx: Context, rest: str) -> Reply:
    """`status` (mine), `status P-N` (one card) or `status WORDS` (a search)."""
    if not rest:
        return _own(ctx)
    number = proposal_number(rest)
    if number is not None:
        return card(ctx, *ctx.proposal_and_meeting(rest, "status"))
    words = rest.casefold().split()
    matches = [p for p in ctx.records.proposals()
               if all(w in _haystack(ctx, p) for w in words)]
    if not matches:
        return ctx.reply(lines=(ctx.t("status.no_match", words=rest[:80]),))
    if len(matches) == 1:
        found = matches[0]
        return card(ctx, found, None if found.status.decided else ctx.records.meeting(found.number))
    return _listing(ctx, ctx.t("status.search_title", words=rest[:80]), matches)


def _haystack(ctx: Context, p: Proposal) -> str:
    return " ".join((p.ref, p.title, p.problem, p.description, p.goal, p.results,
                     p.organization, p.proposer_name, *(a.name for a in p.actors),
                     ctx.seminar.org_name(p.ministry), p.area)).casefold()


def _own(ctx: Context) -> Reply:
    person = ctx.person
    if person.role in (Role.COORDINATOR, Role.OBSERVER):
        mine, title = ctx.records.proposals(), ctx.t("status.all_title")
    elif person.role is Role.MINISTRY:
        answers_for = {p.number: p for p in ctx.records.proposals(ministry=person.org or "")}
        answers_for.update((p.number, p) for p in ctx.records.proposals(proposer=person.key))
        mine = sorted(answers_for.values(), key=lambda p: p.number)
        title = ctx.t("status.ministry_title", ministry=ctx.seminar.org_name(person.org or ""))
    else:
        mine, title = ctx.records.proposals(proposer=person.key), ctx.t("status.own_title")
    if not mine:
        return ctx.reply(lines=(ctx.t("status.none_own"),))
    return _listing(ctx, title, mine)


def _listing(ctx: Context, title: str, proposals: list[Proposal]) -> Reply:
    lines = [ctx.t("status.line", ref=p.ref, title=p.title,
                   status=ctx.t(f"status.{p.status.value}")) for p in proposals[:MAX_LIST]]
    if len(proposals) > MAX_LIST:
        lines.append(ctx.tn("status.more", len(proposals) - MAX_LIST))
    return ctx.reply(title=title, lines=tuple(lines))


def card(ctx: Context, p: Proposal, meeting: Meeting | None) -> Reply:
    """One proposal as a card: its current text, milestones, the table's notes, its meeting
    until it is decided, report, reasoned response and history."""
    lines = [f"{ctx.t(label)}: {text}" for label, text in (
        ("card.problem", p.problem), ("card.description", p.description),
        ("card.goal", p.goal), ("card.results", p.results)) if text]
    if p.milestones:
        lines.append(f"{ctx.t('card.milestones')}:")
        lines.extend("  " + milestone_line(n, m, ctx.lang, ctx.seminar.timezone, ctx.now)
                     for n, m in enumerate(p.milestones, 1))
    if p.notes:
        lines.append(ctx.t("card.notes") + ":")
        if len(p.notes) > NOTES_SHOWN:
            lines.append(f"  … (+{len(p.notes) - NOTES_SHOWN})")
        for n in p.notes[-NOTES_SHOWN:]:
            who = f"{n.by_name} ({n.by_org})" if n.by_org else n.by_name
            lines.append("  " + ctx.t("card.history_line", when=ctx.when(n.at, seconds=False),
                                      who=who, what=n.text))
    if meeting and not p.status.decided:
        place = ctx.t("meet.place", place=meeting.place) if meeting.place else ""
        lines.append(f"{ctx.t('card.meeting')}: {ctx.when(meeting.start)}{place}")
    if p.report:
        lines.append(f"{ctx.t('card.report')}: {report_label(p.report, ctx.lang)}"
                     + (f" – {p.report.text}" if p.report.text else ""))
    if p.decision:
        reason = stated_reason(p) or imported_note(p, ctx.lang)
        lines.append(f"{ctx.t('card.decision')}: "
                     f"{ctx.t('status.' + p.status.value)}"
                     + (f" – {reason}" if reason else ""))
    lines.extend(commitment_lines(ctx, p))
    lines.append(f"{ctx.t('card.history')}:")
    for h in p.history[-HISTORY_SHOWN:]:
        what = history_text(h, ctx.lang, ctx.seminar.timezone, now=ctx.now)
        lines.append("  " + ctx.t("card.history_line", when=ctx.when(h.at, seconds=False),
                                  who=h.actor_name, what=what))
    imported = is_imported(p)  # adopted elsewhere: never proposed here by anyone
    fields = tuple(Field(ctx.t(label), value) for label, value in (
        ("card.status", ctx.t(f"status.{p.status.value}")),
        ("card.proposer", "" if imported else f"{p.proposer_name} ({p.organization})"),
        ("card.actors", ", ".join(a.name for a in p.actors)),
        ("card.ministry", ctx.seminar.org_name(p.ministry)),
        ("record.plan_id", p.plan_id or ""),
        ("card.area", ctx.seminar.area_name(p.area) if p.area else ""),
        ("card.values", ", ".join(ctx.t(f"value.{v}") for v in p.values)),
        ("card.version", str(p.version)),
    ) if value)
    actions: list[Action] = []
    if may_edit(ctx.person, p) and can(Step.EDIT, p):
        actions.append(Action(ctx.t("edit.button"), f"edit {p.ref}"))
    if p.version > 1:
        actions.append(Action(ctx.t("versions.button"), f"versions {p.ref}"))
    return ctx.reply(title=f"{p.ref} {p.title}", fields=fields, lines=tuple(lines),
                     actions=tuple(actions))


def withdraw(ctx: Context, rest: str) -> Reply:
    proposal = ctx.proposal(rest.split()[0] if rest else None, "withdraw")
    require_withdrawer(ctx, proposal)
    ctx.require_step(proposal, Step.WITHDRAW, "withdraw")
    moved = ctx.move(proposal, Status.WITHDRAWN, "withdraw")
    call_off(ctx, moved)

    ctx.notify_people(ctx.records.followers(moved), f"withdrawn:{moved.ref}", "decision",
                      Say(WITHDRAWN, {"proposal": moved.number, "by": ctx.person.key}))
    return ctx.reply(lines=(ctx.t("withdraw.done", ref=moved.ref),))


def write_withdrawn(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`proposal.withdrawn`: who withdrew it (by name as it stands: someone erased since is
    named no more)."""
    p = w.proposal(values)
    if p is None:
        return "the proposal is gone"
    by = w.records.person(str(values.get("by", "")))
    who = by.name if by is not None and not is_erased(by.key) else w.t("record.someone")
    return Reply(language=w.lang, title=w.t("withdraw.notice_title", ref=p.ref, title=p.title),
                 lines=(w.t("withdraw.notice_by", who=who),))


WITHDRAWN = "proposal.withdrawn"
MESSAGES: dict[str, Composer] = {WITHDRAWN: write_withdrawn}
PROPOSE = Word("propose", propose, PROPOSERS, aliases=("foreslå", "føreslå", "forslag"),
               help=("help.propose", "help.propose_line"), forms={FORM_ID: submit_form})
STATUS = Word("status", status, ALL, help=("help.status",), reads=True)
WITHDRAW = Word("withdraw", withdraw, PROPOSERS, aliases=("trekk",), help=("help.withdraw",))
