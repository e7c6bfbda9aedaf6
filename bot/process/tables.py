"""The small-table session: the stored seating chart, `tables` to read it, and `tables assign`,
which seats proposals and people with the planner in `bot.process.seating` and tells everyone."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.core.lifecycle import Step, can
from bot.core.model import Person, Proposal, Status
from bot.core.notice import Notice, Say, Target
from bot.core.permissions import ALL, COORDINATOR
from bot.core.prepared import Prepared
from bot.core.reply import Reply
from bot.core.word import Word
from bot.core.writing import Composer, Writing
from bot.i18n.catalogue import t, tn
from bot.process import seating
from bot.process.seating import Attendee, Fix, Impasse, ImpasseRule, Instance, Topic

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.records import Records

CHART_SETTING = "table_plan"
TIME_LIMIT = 2.0  # seconds the solver may take before the greedy seating is used


@dataclass(frozen=True)
class Table:
    number: int
    area: str
    proposals: tuple[int, ...]
    people: tuple[str, ...]  # person keys

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "area": self.area, "proposals": list(self.proposals),
                "people": list(self.people)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Table:
        return cls(d["number"], d["area"], tuple(d["proposals"]), tuple(d["people"]))


@dataclass(frozen=True)
class SeatingChart:
    """The stored seating: its tables, when it was made, its version (one more with each
    `tables assign`), the hard rules it breaks and why no seating could keep them (stored as
    `conflicts`, their name before they were impasses), and how it was found. A chart stored
    with `problems` (a list no version has filled since breaches were kept) loads without
    them."""

    tables: tuple[Table, ...]
    made_at: str
    version: int = 1
    breaches: tuple[seating.Breach, ...] = ()
    impasses: tuple[seating.Impasse, ...] = ()
    method: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"tables": [t.to_dict() for t in self.tables], "made_at": self.made_at,
                "version": self.version, "breaches": [b.to_dict() for b in self.breaches],
                "conflicts": [c.to_dict() for c in self.impasses], "method": self.method}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SeatingChart:
        return cls(tuple(Table.from_dict(t) for t in d["tables"]), d["made_at"],
                   d.get("version", 1),
                   tuple(seating.Breach.from_dict(b) for b in d.get("breaches", ())),
                   tuple(seating.Impasse.from_dict(c) for c in d.get("conflicts", ())),
                   d.get("method", ""))

    def table_of(self, person_key: str) -> Table | None:
        return next((t for t in self.tables if person_key in t.people), None)

    def seats(self) -> dict[str, int]:
        return {p: t.number for t in self.tables for p in t.people}


def load_chart(ctx: Context) -> SeatingChart | None:
    doc = ctx.records.setting(CHART_SETTING)
    return SeatingChart.from_dict(doc) if doc else None


def follow_person(records: Records, old_key: str, new_key: str) -> None:
    """A person's key changed (merged into another): their seat in the chart follows."""
    doc = records.setting(CHART_SETTING)
    if not doc or not any(old_key in t["people"] for t in doc["tables"]):
        return
    chart = SeatingChart.from_dict(doc)
    tables = tuple(replace(t, people=tuple(dict.fromkeys(
        new_key if p == old_key else p for p in t.people))) for t in chart.tables)
    records.set_setting(CHART_SETTING, replace(chart, tables=tables).to_dict())


def show(ctx: Context, rest: str) -> Reply:
    chart = load_chart(ctx)
    if chart is None:
        return ctx.reply(lines=(ctx.t("tables.none"),))
    mine = chart.table_of(ctx.person.key)
    lines = [ctx.t("tables.yours", n=mine.number) if mine else ctx.t("tables.not_seated")]
    lines.extend(describe(ctx, chart, ctx.lang))
    return ctx.reply(title=ctx.t("tables.version", version=chart.version), lines=tuple(lines))


def describe(ctx: Context, chart: SeatingChart, lang: str) -> list[str]:
    """The chart in `lang`: each table with its area, proposals and people, then what it
    cannot keep and why."""
    names = _names(ctx, chart)
    lines: list[str] = []
    for table in chart.tables:
        lines.append("")
        refs = ", ".join(f"P-{n}" for n in table.proposals) or t(lang, "tables.no_proposals")
        lines.append(t(lang, "tables.table", n=table.number, area=_area(ctx, table.area, lang),
                       refs=refs))
        lines.append(t(lang, "tables.people",
                       names=", ".join(names.get(k, k) for k in table.people)))
    lines.append("")
    lines.extend(problems(ctx, chart, lang))
    return lines


def problems(ctx: Context, chart: SeatingChart, lang: str) -> list[str]:
    """The hard rules the chart breaks, for whom, why, and what would fix it."""
    if not chart.breaches and not chart.impasses:
        return [t(lang, "tables.all_kept")]
    names = _names(ctx, chart)
    seminar = ctx.seminar
    lines = [t(lang, "tables.broken")]
    for b in chart.breaches:
        ref = f"P-{b.proposal}" if b.proposal is not None else ""
        lines.append("- " + t(lang, f"tables.breach.{b.rule.value}", ref=ref, n=b.table,
                              name=names.get(b.who, b.who),
                              ministry=ctx.seminar.org_name(b.who), size=b.size,
                              max=seminar.table_max_size))
    if chart.impasses:
        lines.append(t(lang, "tables.why"))
    for c in chart.impasses:
        lines.append("- " + _impasse(ctx, c, lang, names))
        lines.append("  " + t(lang, "tables.fix", fixes=_fixes(ctx, c, lang)))
    return lines


# Impasses whose sentence counts the seminar's tables (plural forms by that number).
_SAID_WITH_TABLES = frozenset({ImpasseRule.TOO_MANY_PEOPLE, ImpasseRule.PACKING})


def _impasse(ctx: Context, c: Impasse, lang: str, names: dict[str, str]) -> str:
    seminar = ctx.seminar
    refs = _refs(c.proposals)
    ministries = ", ".join(ctx.seminar.org_name(m) for m in c.ministries)
    links = "; ".join(
        t(lang, f"tables.link.{lk.why}", name=names.get(lk.person, lk.person),
          refs=_refs(lk.proposals), ministry=ctx.seminar.org_name(lk.ministry))
        for lk in c.links)
    count, size = seminar.table_count, seminar.table_max_size
    values = {"refs": refs, "ministry": ministries, "ministries": ministries, "links": links,
              "need": c.need, "max": size, "tables": count, "people": c.need,
              "seats": count * size}
    key = f"tables.conflict.{c.rule.value}"
    if c.rule in _SAID_WITH_TABLES:  # a sentence about a number of tables
        return tn(lang, key, count, **values)
    return t(lang, key, **values)


def _fixes(ctx: Context, c: Impasse, lang: str) -> str:
    seminar = ctx.seminar
    count, size = seminar.table_count, seminar.table_max_size
    parts = []
    for fix in c.fixes:
        if fix is Fix.REPRESENTATIVE:
            parts.append(t(lang, "tables.fix.representative",
                           ministries=", ".join(ctx.seminar.org_name(m) for m in c.ministries)))
        elif fix is Fix.MAX_SIZE and c.rule is ImpasseRule.CROWDED:
            parts.append(t(lang, "tables.fix.max_size", size=c.need))
        elif fix is Fix.MAX_SIZE and c.rule is ImpasseRule.TOO_MANY_PEOPLE:
            parts.append(t(lang, "tables.fix.max_size", size=math.ceil(c.need / count)))
        elif fix is Fix.MAX_SIZE:
            parts.append(t(lang, "tables.fix.max_size_any"))
        elif fix is Fix.TABLES and c.rule is ImpasseRule.TOO_MANY_PEOPLE:
            parts.append(t(lang, "tables.fix.tables", count=math.ceil(c.need / size)))
        elif fix is Fix.TABLES:
            parts.append(t(lang, "tables.fix.tables_any"))
        else:
            parts.append(t(lang, f"tables.fix.{fix.value}"))
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {t(lang, 'tables.or')} {parts[-1]}"


def _refs(numbers: list[int] | tuple[int, ...]) -> str:
    return ", ".join(f"P-{n}" for n in numbers)


def _names(ctx: Context, chart: SeatingChart) -> dict[str, str]:
    """The names of the people `chart` names: those seated, and those its problems name."""
    keys = {key for table in chart.tables for key in table.people}
    keys |= {b.who for b in chart.breaches}
    keys |= {link.person for c in chart.impasses for link in c.links}
    return ctx.records.names(keys)


def _area(ctx: Context, key: str, lang: str) -> str:
    if not key:
        return t(lang, "tables.no_proposals")
    return ctx.seminar.area_name(key)


def instance(ctx: Context, previous: SeatingChart | None) -> tuple[Instance, list[Proposal],
                                                                 dict[str, Person]]:
    """Who takes part (the roster and everyone who proposed) and what is discussed
    (proposals neither withdrawn nor decided), as the planner's input."""
    proposals = [p for p in ctx.records.proposals() if not p.status.decided]
    people = {p.key: p for p in ctx.records.people() if p.on_roster}
    for p in proposals:
        if p.proposer not in people:
            person = ctx.records.person(p.proposer)
            if person is not None:
                people[person.key] = person
    attendees = []
    for person in people.values():
        org = ctx.seminar.org(person.org) if person.org else None
        attendees.append(Attendee(person.key, person.org, person.role.value,
                                  org.areas if org else ()))
    topics = tuple(Topic(p.number, p.area, p.proposer, p.ministry) for p in proposals)
    seats = previous.seats() if previous else {}
    before = {n: t.number for t in previous.tables for n in t.proposals} if previous else {}
    count = tables_in_use(ctx.seminar.table_count, ctx.seminar.table_max_size, len(topics),
                          len(attendees), len(previous.tables) if previous else 0)
    inst = Instance(topics, tuple(attendees), count, ctx.seminar.table_max_size, seats, before)
    return inst, proposals, people


def tables_in_use(available: int, max_size: int, proposals: int, people: int,
                  before: int) -> int:
    """How many of the seminar's tables to set: one per proposal at most, more only when
    the people would not fit otherwise, and never fewer than a chart being redone used (so
    nobody's table disappears). A table with no proposal to discuss helps nobody."""
    return min(available, max(proposals, math.ceil(people / max_size), before, 1))


@dataclass(frozen=True)
class Inputs:
    """What a chart is computed from: the planner's instance and the chart it replaces."""

    instance: Instance
    previous: dict[str, Any] | None


def read_inputs(ctx: Context) -> Inputs:
    doc = ctx.records.setting(CHART_SETTING)
    previous = SeatingChart.from_dict(doc) if doc else None
    return Inputs(instance(ctx, previous)[0], doc or None)


def assign(ctx: Context, rest: str) -> Prepared:
    """Seat proposals and people. The planner runs outside the store's transaction (on a
    snapshot of who takes part and what is discussed); then, if nothing changed meanwhile,
    `_store_chart` stores the chart and tells everyone."""
    inputs = read_inputs(ctx)
    if not inputs.instance.topics:
        ctx.fail("tables.nothing")
    return Prepared(inputs, read_inputs, _seat, _store_chart)


def _seat(inputs: Inputs) -> seating.Seating:
    return seating.seat(inputs.instance, time_limit=TIME_LIMIT)


def _store_chart(ctx: Context, inputs: Inputs, result: seating.Seating) -> Reply:
    """Store the chart, move the proposals to `in_discussion`, post the chart to the seminar
    channel and tell each person their table (on a re-run: only the people whose table
    changed)."""
    previous = SeatingChart.from_dict(inputs.previous) if inputs.previous else None
    _, proposals, people = instance(ctx, previous)
    version = previous.version + 1 if previous else 1
    chart = SeatingChart(
        tables=tuple(Table(pt.number, pt.area, pt.proposals, pt.people) for pt in result.tables),
        made_at=ctx.now.isoformat(), version=version,
        breaches=result.breaches, impasses=result.impasses, method=result.method)
    ctx.records.set_setting(CHART_SETTING, chart.to_dict())
    table_of_proposal = {n: tb.number for tb in chart.tables for n in tb.proposals}
    moved = 0
    for p in proposals:
        if can(Step.DISCUSS, p):
            ctx.move(p, Status.IN_DISCUSSION, "discussed", str(table_of_proposal[p.number]))
            moved += 1
    lang = ctx.seminar.language
    ctx.bot.outbox.schedule(Notice(
        f"tables:v{version}:plan", Target.announce(),
        Reply(language=lang, title=t(lang, "tables.version", version=version),
              lines=tuple(describe(ctx, chart, lang)[1:])),
        ctx.now, "tables"))
    before = previous.seats() if previous else {}
    told = _tell(ctx, chart, people, before)
    lines = [ctx.t("tables.made", proposals=ctx.tn("tables.count.proposals", len(proposals)),
                   people=ctx.tn("tables.count.people", len(people)),
                   tables=ctx.tn("tables.count.tables", len(chart.tables))),
             ctx.tn("tables.moved_status", moved)]
    if previous:
        lines.append(ctx.tn("tables.told_moved", told, moved=len(result.moved)))
    else:
        lines.append(ctx.tn("tables.told_all", told))
    mine = chart.table_of(ctx.person.key)
    lines.append(ctx.t("tables.yours", n=mine.number) if mine else ctx.t("tables.not_seated"))
    lines.extend(describe(ctx, chart, ctx.lang))
    return ctx.reply(title=ctx.t("tables.version", version=version), lines=tuple(lines))


def _tell(ctx: Context, chart: SeatingChart, people: dict[str, Person],
          before: dict[str, int]) -> int:
    """A DM to each person whose table is new to them; returns how many were scheduled."""
    told = 0
    for table in chart.tables:
        for key in table.people:
            person = people.get(key)
            if person is None or before.get(key) == table.number:
                continue
            say = Say(SEATED, {"table": table.number, "old": before.get(key),
                               "area": table.area, "proposals": list(table.proposals),
                               "people": [k for k in table.people if k != key]})
            told += len(ctx.notify_people([person], f"tables:v{chart.version}", "tables", say))
    return told


def write_seated(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`tables.seated`: a person's table (and the one they had, when they were moved): its
    area, its proposals and who else sits there, by their names as they stand."""
    n = values.get("table")
    lines = []
    if values.get("old") is not None:
        lines.append(w.t("tables.dm_moved", n=n, old=values["old"]))
    area = str(values.get("area") or "")
    lines.append(w.t("tables.dm_area", area=w.seminar.area_name(area) if area
                     else w.t("tables.no_proposals")))
    refs = []
    for number in values.get("proposals", ()):
        proposal = w.records.proposal(int(number))
        refs.append(w.t("tables.proposal", ref=f"P-{number}",
                        title=proposal.title if proposal else ""))
    lines.append(w.t("tables.dm_proposals", refs="; ".join(refs) or w.t("tables.no_proposals")))
    names = []
    for key in values.get("people", ()):
        person = w.records.person(str(key))
        names.append(person.name if person is not None else str(key))
    lines.append(w.t("tables.dm_with", names=", ".join(names)))
    lines.append(w.t("tables.dm_hint"))
    return Reply(language=w.lang, title=w.t("tables.dm_title", n=n), lines=tuple(lines))


SEATED = "tables.seated"
MESSAGES: dict[str, Composer] = {SEATED: write_seated}

TABLES = Word("tables", show, ALL, aliases=("bord",), help=("help.tables",))
ASSIGN = Word("tables assign", assign, COORDINATOR, aliases=("fordel",), follows="tables",
              help=("help.tables_assign",))
