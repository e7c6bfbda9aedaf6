"""Who hears of a new proposal, and how: the coordinators and the responsible ministry's
people, each by a notice of its own or in a digest (`[notices] digest_minutes`).

With `digest_minutes` at 0, each new proposal is a notice to each of them at once
(`proposal.new`). Above 0, a person's new-proposal notices are one notice in the outbox per
quiet period (`proposal.digest`): the first new proposal starts it, due `digest_minutes`
later, and every new proposal after it joins it while it has not been tried yet (pending, no
attempt). Once the dispatcher has begun sending it (or it is in doubt after a send whose
answer never came), it is left as it is and the next new proposal starts the next digest:
whatever it lists was in it when it went out, and nothing is in two of them. The join happens
in the command's transaction, against the notice as the store holds it: a dispatcher that
begins the digest in the same instant collides with it, and one of the two runs again.

A digest is written when it goes out, from its proposals as they stand then, in the language
its reader reads then: one proposal reads like a notice of its own; several are a list, each
with its number, title, proposer's organisation and responsible ministry, a link to its page
when the server's address is known, and a status button for the first `BUTTONS` of them.
Withdrawn proposals are left out; a digest whose proposals are all withdrawn is not sent.
Table assignments, meetings and decisions are notices of their own and never wait here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.model import Person, Proposal, Status
from bot.core.notice import Notice, Say, Scheduler, Target
from bot.core.reply import Action, Reply
from bot.core.writing import Composer, Writing

if TYPE_CHECKING:
    from bot.core.context import Context

NEW, DIGEST = "proposal.new", "proposal.digest"
PREFIX = "digest:"  # a digest's key: digest:<the first proposal's P-N>:<person key>
BUTTONS = 5  # status buttons in a digest (every proposal in it has its line, and its link)


def tell_new(ctx: Context, people: list[Person], proposal: Proposal) -> None:
    """Tell `people` (less the speaker) of a new proposal: now, or in their digest."""
    minutes = ctx.seminar.digest_minutes
    if minutes <= 0:
        ctx.notify_people(people, f"proposal:{proposal.ref}:new", "proposal",
                          Say(NEW, {"proposal": proposal.number}))
        return
    for person in people:
        if person.key != ctx.person.key:
            gather(ctx.bot.outbox, person.key, proposal, ctx.now, timedelta(minutes=minutes))


def gather(outbox: Scheduler, person_key: str, proposal: Proposal, now: datetime,
           window: timedelta) -> Notice:
    """Add `proposal` to the person's digest that has not been tried yet, or start one due
    `window` from `now`; the digest as stored."""
    untried = [n for n in outbox.untried(person_key, PREFIX)
               if n.say is not None and n.say.message == DIGEST]
    if untried:
        digest = untried[0]
        assert digest.say is not None
        numbers = [n for n in digest.say.values.get("proposals") or () if isinstance(n, int)]
        if proposal.number not in numbers:
            numbers.append(proposal.number)
        joined = digest.with_changes(say=Say(DIGEST, {**digest.say.values,
                                                      "proposals": numbers}))
        outbox.save(joined)
        return joined
    started = Notice.saying(f"{PREFIX}{proposal.ref}:{person_key}", Target.to_person(person_key),
                            Say(DIGEST, {"proposals": [proposal.number]}), now + window,
                            "proposal")
    outbox.schedule(started)
    return started


def write_new(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`proposal.new`: a new proposal, who made it and its responsible ministry."""
    p = w.proposal(values)
    if p is None:
        return "the proposal is gone"
    return Reply(language=w.lang, title=w.t("propose.notice_title", ref=p.ref, title=p.title),
                 lines=(w.t("propose.notice_line", who=p.proposer_name, org=p.organization,
                            ministry=w.org(p.ministry)),
                        w.t("notice.status_hint", ref=p.ref)),
                 actions=(Action(w.t("card.status"), f"status {p.ref}"),))


def write_digest(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`proposal.digest`: the new proposals gathered for one person, as they stand now."""
    found = (w.records.proposal(n) for n in values.get("proposals") or ()
             if isinstance(n, int))
    proposals = [p for p in found if p is not None and p.status is not Status.WITHDRAWN]
    if not proposals:
        return "its proposals are gone or withdrawn"
    if len(proposals) == 1:
        return write_new(w, {"proposal": proposals[0].number})
    lines = [_line(w, p) for p in proposals]
    lines.append(w.t("digest.hint", ref=proposals[-1].ref))
    actions = [Action(w.t("digest.status_button", ref=p.ref), f"status {p.ref}")
               for p in proposals[:BUTTONS]]
    return Reply(language=w.lang, title=w.tn("digest.title", len(proposals)),
                 lines=tuple(lines), actions=tuple(actions))


def _line(w: Writing, p: Proposal) -> str:
    line = w.t("digest.line", ref=p.ref, title=p.title, org=p.organization,
               ministry=w.org(p.ministry))
    page = w.page(p.ref)
    return f"{line} {page}" if page else line


MESSAGES: dict[str, Composer] = {NEW: write_new, DIGEST: write_digest}
