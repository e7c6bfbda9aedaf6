"""At the small tables, refining a proposal together: `edit` (its form, or one field in a line)
saves a new version of its text; `versions` lists them with what changed; `note` keeps the
table's notes with it; `join` adds the speaker's organisation as another actor involved; and
`follow` / `unfollow` say who hears of its new versions, its decision and its progress.

A save made from an older version than the current one is refused, with the newer text shown
and the person's own text kept in the form for them; nothing typed is lost and nothing is
overwritten unseen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.core.lifecycle import Step, can
from bot.core.model import TEXT_FIELDS, Actor, HistoryEntry, Note, Proposal, Version
from bot.core.notice import Say
from bot.core.permissions import ALL, JOINERS, PROPOSERS, require_editor, require_noter
from bot.core.reply import Action, Field, Marked, Reply
from bot.core.word import Word
from bot.core.writing import Composer, Writing
from bot.i18n.catalogue import t
from bot.process.proposal_form import (
    EDIT_FORM_ID,
    LIMITS,
    check_texts,
    edit_form,
    needs_organization,
)
from bot.process.tables import load_chart
from bot.record.changes import FieldChange, field_changes, marked

if TYPE_CHECKING:
    from bot.core.context import Context

FIELD_WORDS = {
    "title": "title", "tittel": "title",
    "problem": "problem", "problemet": "problem",
    "description": "description", "beskrivelse": "description", "beskriving": "description",
    "forpliktelse": "description", "forpliktelsen": "description",
    "goal": "goal", "mål": "goal", "maal": "goal", "målet": "goal",
    "results": "results", "result": "results", "resultater": "results",
    "resultat": "results", "resultata": "results",
}
MAX_NOTE = 3000
VERSIONS_SHOWN = 20


# -- edit --------------------------------------------------------------------------------------

def edit(ctx: Context, rest: str) -> Reply:
    """`edit P-N` gives the form filled in with the current text; `edit P-N FIELD TEXT` saves
    one field."""
    parts = rest.split(maxsplit=2)
    proposal = ctx.proposal(parts[0] if parts else None, "edit")
    _require_editable(ctx, proposal)
    if len(parts) == 1:
        form = edit_form(proposal, ctx.lang)
        return ctx.reply(title=form.title, form=form)
    name = FIELD_WORDS.get(parts[1].casefold())
    if name is None:
        ctx.fail("edit.bad_field", text=parts[1][:40], fields=", ".join(TEXT_FIELDS))
    typed = {**proposal.texts(), name: parts[2] if len(parts) > 2 else ""}
    return _save(ctx, proposal, typed, proposal.version, as_form=False)


def submit_form(ctx: Context, fields: Mapping[str, Any]) -> Reply:
    """The edit form sent back: its hidden fields say which proposal, from which version."""
    ref = fields.get("proposal")
    proposal = ctx.proposal(ref if isinstance(ref, str) else None, "edit")
    _require_editable(ctx, proposal)
    base = fields.get("base")
    return _save(ctx, proposal, fields,
                 int(base) if isinstance(base, str) and base.isdigit() else 0, as_form=True)


def _require_editable(ctx: Context, proposal: Proposal) -> None:
    require_editor(ctx, proposal, "edit")
    if not can(Step.EDIT, proposal):  # decided: the text stands as it was decided on
        ctx.fail("edit.decided", ref=proposal.ref,
                 status=ctx.t(f"status.{proposal.status.value}"))


def _save(ctx: Context, proposal: Proposal, raw: Mapping[str, Any], base: int,
          as_form: bool) -> Reply:
    texts, errors = check_texts(ctx.lang, raw)
    if errors:
        form = edit_form(proposal, ctx.lang, texts, base) if as_form else None
        return ctx.reply(ok=False, title=ctx.t("edit.not_saved", ref=proposal.ref),
                         errors=errors, form=form)
    if texts == proposal.texts():
        return ctx.reply(lines=(ctx.t("edit.unchanged", ref=proposal.ref,
                                      version=proposal.version),))
    if base != proposal.version:
        return _conflict(ctx, proposal, texts, base)
    before = proposal.versions[-1] if proposal.versions else proposal.first_version()
    person = ctx.person
    version = Version(proposal.version + 1, ctx.now, person.key, person.name, **texts,
                      language=person.known_language or "")
    entry = HistoryEntry(ctx.now, person.key, person.name, "edited", proposal.status,
                         str(version.number))
    saved = proposal.with_version(version, entry)
    ctx.records.save_proposal(saved)
    changes = field_changes(before, version)
    _tell_new_version(ctx, saved)
    return ctx.reply(title=ctx.t("edit.saved", ref=saved.ref, version=version.number),
                     lines=(saved.title, *change_lines(ctx.lang, changes)),
                     actions=(Action(ctx.t("versions.button"), f"versions {saved.ref}"),
                              Action(ctx.t("card.status"), f"status {saved.ref}")))


def _conflict(ctx: Context, proposal: Proposal, texts: dict[str, str], base: int) -> Reply:
    """Refused: someone saved a newer version meanwhile. The form comes back with the person's
    own text, now based on the current version, and the current text above it."""
    current = proposal.versions[-1]
    older = next((v for v in proposal.versions if v.number == base), None)
    changed = [name for name in TEXT_FIELDS
               if older is None or getattr(older, name) != getattr(current, name)]
    lines = [ctx.t("edit.conflict", ref=proposal.ref, version=current.number,
                   who=current.by_name, when=ctx.when(current.at, seconds=False)),
             *(f"{ctx.t(f'propose.{name}')}: {getattr(current, name) or '–'}"
               for name in changed),
             ctx.t("edit.conflict_kept")]
    return ctx.reply(ok=False, title=ctx.t("edit.conflict_title", ref=proposal.ref),
                     lines=tuple(lines),
                     form=edit_form(proposal, ctx.lang, texts, base=current.number))


def change_lines(lang: str, changes: tuple[FieldChange, ...], short: bool = True,
                 indent: str = "") -> list[str]:
    """Each changed field as a `Marked` line (`Title: old words new words`, drawn with each
    platform's marks), and what the marks mean."""
    if not changes:
        return []
    return [*(marked(indent + t(lang, f"propose.{c.field}"), c.segments, short)
              for c in changes), legend(lang)]


def legend(lang: str) -> Marked:
    """What the marks of a change mean, said with the marks themselves ("words like ~~these~~
    were taken out, words like **these** were added"), so it holds on every platform."""
    sample = t(lang, "versions.legend_sample")
    text = t(lang, "versions.legend", removed="\x00", added="\x01")
    segments: list[tuple[str, str]] = []
    for part in re.split("([\x00\x01])", text):
        if part == "\x00":
            segments.append(("removed", sample))
        elif part == "\x01":
            segments.append(("added", sample))
        elif part:
            segments.append(("same", part))
    return Marked("", tuple(segments))


def _tell_new_version(ctx: Context, proposal: Proposal) -> None:
    version = proposal.versions[-1]
    ctx.notify_people(ctx.records.followers(proposal),
                      f"version:{proposal.ref}:v{version.number}", "version",
                      Say(NEW_VERSION, {"proposal": proposal.number,
                                        "version": version.number}))


def write_new_version(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`proposal.version`: who saved a version, and what it changed from the one before."""
    p = w.proposal(values)
    number = values.get("version")
    version = next((v for v in p.versions if v.number == number), None) if p else None
    before = next((v for v in p.versions if v.number == version.number - 1), None) \
        if p and version else None
    if p is None or version is None or before is None:
        return "the proposal or its version is gone"
    return Reply(language=w.lang,
                 title=w.t("versions.notice_title", ref=p.ref, version=version.number,
                           title=version.title),
                 lines=(w.t("versions.notice_by", who=version.by_name),
                        *change_lines(w.lang, field_changes(before, version)),
                        w.t("follow.unfollow_hint", ref=p.ref)),
                 actions=(Action(w.t("versions.button"), f"versions {p.ref}"),
                          Action(w.t("card.status"), f"status {p.ref}")))


NEW_VERSION = "proposal.version"
MESSAGES: dict[str, Composer] = {NEW_VERSION: write_new_version}


# -- versions ----------------------------------------------------------------------------------

def versions(ctx: Context, rest: str) -> Reply:
    proposal = ctx.proposal(rest.split()[0] if rest else None, "versions")
    all_versions = proposal.versions or (proposal.first_version(),)
    lines: list[str] = []
    shown = all_versions[-VERSIONS_SHOWN:]
    if len(all_versions) > len(shown):
        lines.append(f"… (+{len(all_versions) - len(shown)})")
    marks = False
    for version in shown:
        when = ctx.when(version.at, seconds=False)
        if version.number == 1:
            lines.append(ctx.t("versions.first", n=1, when=when, who=version.by_name))
            continue
        before = next((v for v in all_versions if v.number == version.number - 1), None)
        changes = field_changes(before, version) if before is not None else ()
        lines.append(ctx.t("versions.line", n=version.number, when=when, who=version.by_name,
                           fields=", ".join(ctx.t(f"propose.{c.field}").lower()
                                            for c in changes) or "–"))
        lines.extend(change_lines(ctx.lang, changes, indent="  ")[:-1])
        marks = marks or bool(changes)
    if marks:
        lines.append(legend(ctx.lang))
    return ctx.reply(title=ctx.t("versions.title", ref=proposal.ref, title=proposal.title),
                     fields=(Field(ctx.t("card.version"), str(proposal.version)),),
                     lines=tuple(lines),
                     actions=(Action(ctx.t("card.status"), f"status {proposal.ref}"),))


# -- notes -------------------------------------------------------------------------------------

def seated_at(ctx: Context, proposal: Proposal) -> bool:
    """Whether the speaker sits at the table the stored seating chart gave this proposal."""
    chart = load_chart(ctx)
    if chart is None:
        return False
    return any(proposal.number in table.proposals and ctx.person.key in table.people
               for table in chart.tables)


def note(ctx: Context, rest: str) -> Reply:
    parts = rest.split(maxsplit=1)
    proposal = ctx.proposal(parts[0] if parts else None, "note")
    require_noter(ctx, proposal, seated_at(ctx, proposal))
    ctx.require_step(proposal, Step.AMEND, "note")
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        ctx.fail("error.text_required", word="note", usage=NOTE.usage)
    if len(text) > MAX_NOTE:
        ctx.fail("error.too_long", length=len(text), limit=MAX_NOTE)
    person = ctx.person
    org = ctx.seminar.org_name(person.org) if person.org else (person.org_name or "")
    written = Note(ctx.now, person.key, person.name, text, org, person.on_roster,
                   ctx.written_in)
    saved = ctx.change(proposal, "noted", notes=(*proposal.notes, written))
    return ctx.reply(lines=(ctx.t("note.done", ref=saved.ref, n=len(saved.notes)),),
                     actions=(Action(ctx.t("card.status"), f"status {saved.ref}"),))


# -- join --------------------------------------------------------------------------------------

def join(ctx: Context, rest: str) -> Reply:
    """`join P-N`: the speaker's organisation joins; someone not on the roster names theirs
    once (`join P-N ORGANISATION`), as with `propose`."""
    parts = rest.split(maxsplit=1)
    proposal = ctx.proposal(parts[0] if parts else None, "join")
    ctx.require_step(proposal, Step.AMEND, "join")
    given = " ".join(parts[1].split()) if len(parts) > 1 else ""
    person = ctx.person
    if not needs_organization(person):
        org_key: str | None = person.org
        name = ctx.seminar.org_name(person.org or "")
        if given:
            ctx.fail("propose.org_not_needed", org=name)
    else:
        org_key, name = None, given or person.org_name or ""
        if not name:
            ctx.fail("join.no_organization", ref=proposal.ref)
        if len(name) > LIMITS["organization"]:
            ctx.fail("error.too_long", length=len(name), limit=LIMITS["organization"])
    if org_key is not None and org_key == proposal.ministry:
        ctx.fail("join.responsible", ref=proposal.ref, org=name)
    if _same_org(org_key, name, proposal.organization_key, proposal.organization):
        ctx.fail("join.proposer", ref=proposal.ref, org=name)
    if any(_same_org(org_key, name, a.org_key, a.name) for a in proposal.actors):
        ctx.fail("join.already", ref=proposal.ref, org=name)
    if needs_organization(person) and name != person.org_name:
        ctx.records.save_person(person.with_changes(org_name=name))
    saved = ctx.change(proposal, "joined", name,
                       actors=(*proposal.actors, Actor(name, org_key, person.key, ctx.now)),
                       unfollowed=tuple(k for k in proposal.unfollowed if k != person.key))
    return ctx.reply(lines=(ctx.t("join.done", ref=saved.ref, org=name, title=saved.title),
                            ctx.t("join.follows", ref=saved.ref)),
                     actions=(Action(ctx.t("card.status"), f"status {saved.ref}"),))


def _same_org(key: str | None, name: str, other_key: str | None, other_name: str) -> bool:
    if key is not None and other_key is not None:
        return key == other_key
    return name.casefold() == other_name.casefold()


# -- follow ------------------------------------------------------------------------------------

def _follows_unasked(ctx: Context, proposal: Proposal) -> bool:
    person = ctx.person
    return (person.key == proposal.proposer or person.key in {a.person for a in proposal.actors}
            or (person.org is not None and person.org == proposal.ministry))


def follow(ctx: Context, rest: str) -> Reply:
    proposal = ctx.proposal(rest.split()[0] if rest else None, "follow")
    key = ctx.person.key
    if any(p.key == key for p in ctx.records.followers(proposal)):
        return ctx.reply(lines=(ctx.t("follow.already", ref=proposal.ref),))
    followers = proposal.followers if _follows_unasked(ctx, proposal) \
        else (*proposal.followers, key)
    ctx.records.save_proposal(replace(
        proposal, followers=followers,
        unfollowed=tuple(k for k in proposal.unfollowed if k != key)))
    return ctx.reply(lines=(ctx.t("follow.done", ref=proposal.ref, title=proposal.title),
                            ctx.t("follow.unfollow_hint", ref=proposal.ref)))


def unfollow(ctx: Context, rest: str) -> Reply:
    proposal = ctx.proposal(rest.split()[0] if rest else None, "unfollow")
    key = ctx.person.key
    if not any(p.key == key for p in ctx.records.followers(proposal)):
        return ctx.reply(lines=(ctx.t("follow.not_following", ref=proposal.ref),))
    unfollowed = (*proposal.unfollowed, key) if _follows_unasked(ctx, proposal) \
        else proposal.unfollowed
    ctx.records.save_proposal(replace(
        proposal, followers=tuple(k for k in proposal.followers if k != key),
        unfollowed=unfollowed))
    return ctx.reply(lines=(ctx.t("unfollow.done", ref=proposal.ref),))


EDIT = Word("edit", edit, PROPOSERS, aliases=("endre", "rediger"),
            help=("help.edit", "help.edit_line"), forms={EDIT_FORM_ID: submit_form},
            usage="edit P-N [title|problem|description|goal|results TEXT]")
NOTE = Word("note", note, ALL, aliases=("notat", "notér", "noter"), help=("help.note",),
            usage="note P-N TEXT")
JOIN = Word("join", join, JOINERS, aliases=("bli-med", "delta", "bli med"), help=("help.join",))
VERSIONS = Word("versions", versions, ALL, aliases=("versjoner", "versjonar"),
                help=("help.versions",))
FOLLOW = Word("follow", follow, ALL, aliases=("følg", "folg"), help=("help.follow",))
UNFOLLOW = Word("unfollow", unfollow, ALL, aliases=("slutt-å-følge", "slutt å følge"),
                help=("help.unfollow",))
