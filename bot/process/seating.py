"""The table planner: seats proposals and people at small tables so that every proposal has its
proposer and someone from its responsible ministry at its table. Pure: data in, seating out.

`seat(instance)` solves a mixed-integer model with HiGHS (`scipy.optimize.milp`) under a time
limit and falls back to a greedy seating. Hard rules: each proposal at one table, its proposer
and at least one person of its ministry at that table, each person at one table, no table over
`max_size`. Wishes: proposals of one area together, even table sizes, people without a proposal
near the areas their organisation works in, observers spread, and few moves from the previous
seating. When no seating keeps every hard rule, `Seating.impasses` says which rule breaks for
whom and what would fix it; every impasse names a set of proposals that cannot be seated by
themselves.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and scipy are imported when a plan is solved, not with the bot
    import numpy as np

OBSERVER = "observer"

# Objective weights: a broken hard rule outweighs every wish put together.
BREAK = 1000.0
MOVE = 20.0
AREA = 10.0
SPREAD = 2.0
OBSERVERS = 3.0
INTEREST = 1.0


@dataclass(frozen=True)
class Attendee:
    """Someone taking part; `areas` are the areas their organisation works in."""

    key: str
    org: str | None = None
    kind: str = "civil_society"  # coordinator | ministry | civil_society | observer
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    """A proposal to discuss: its number, area, proposer (person key) and ministry (org key)."""

    number: int
    area: str
    proposer: str
    ministry: str


@dataclass(frozen=True)
class Instance:
    topics: tuple[Topic, ...]
    attendees: tuple[Attendee, ...]
    count: int
    max_size: int
    previous: Mapping[str, int] = field(default_factory=dict)  # person key -> table number
    previous_topics: Mapping[int, int] = field(default_factory=dict)  # proposal -> table number

    def members(self, ministry: str) -> list[str]:
        return [a.key for a in self.attendees if a.org == ministry]

    def only(self, numbers: Iterable[int]) -> Instance:
        """The same seminar discussing only the proposals `numbers`."""
        keep = set(numbers)
        return replace(self, topics=tuple(t for t in self.topics if t.number in keep))


@dataclass(frozen=True)
class PlannedTable:
    number: int  # 1-based
    area: str  # the area most of its proposals are in; "" without proposals
    proposals: tuple[int, ...]
    people: tuple[str, ...]


class BreachRule(StrEnum):
    """The hard rules a seating can break."""

    PROPOSER_AWAY = "proposer_away"  # a proposal's proposer sits at another table
    MINISTRY_AWAY = "ministry_away"  # nobody of its ministry sits at its table
    OVER_SIZE = "over_size"  # more people at a table than it seats


class ImpasseRule(StrEnum):
    """Why no seating keeps every hard rule (see `Impasse`)."""

    NO_MINISTRY_PERSON = "no_ministry_person"
    TOO_MANY_PEOPLE = "too_many_people"
    CROWDED = "crowded"
    STRETCHED = "stretched"
    PACKING = "packing"


class Fix(StrEnum):
    """What the coordinator can do about an impasse."""

    REPRESENTATIVE = "representative"  # a ministry sends someone
    MAX_SIZE = "max_size"  # larger tables
    TABLES = "tables"  # more tables
    SECOND_ROUND = "second_round"  # a second round of tables


@dataclass(frozen=True)
class Breach:
    """A hard rule the seating breaks, at which table, for which proposal, for whom."""

    rule: BreachRule
    table: int
    proposal: int | None = None
    who: str = ""  # the proposer's key, or the ministry's org key
    size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.value, "table": self.table, "proposal": self.proposal,
                "who": self.who, "size": self.size}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Breach:
        return cls(BreachRule(d["rule"]), d["table"], d.get("proposal"), d.get("who", ""),
                   d.get("size", 0))


@dataclass(frozen=True)
class Link:
    """Why proposals must share a table: one person is needed at each of them."""

    person: str
    why: str  # "proposer": they proposed them all; "sole_member": the only one of `ministry`
    proposals: tuple[int, ...]
    ministry: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.person, "why": self.why, "proposals": list(self.proposals),
                "ministry": self.ministry}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Link:
        return cls(d["person"], d["why"], tuple(d["proposals"]), d.get("ministry", ""))


@dataclass(frozen=True)
class Impasse:
    """Why no seating keeps every hard rule.

    `rule`: `no_ministry_person` (nobody of the ministry takes part), `too_many_people` (more
    people than seats), `crowded` (proposals tied to one table need more than `max_size`
    seats), `stretched` (a ministry has too few people for the tables its proposals need) or
    `packing` (the proposals' tables do not fit in the tables there are). `fixes` are any of
    `representative`, `max_size`, `tables` and `second_round`; `need` is the seats (crowded,
    too_many_people) the fix must give.
    """

    rule: ImpasseRule
    proposals: tuple[int, ...] = ()
    ministries: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    need: int = 0
    fixes: tuple[Fix, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.value, "proposals": list(self.proposals),
                "ministries": list(self.ministries), "links": [k.to_dict() for k in self.links],
                "need": self.need, "fixes": [f.value for f in self.fixes]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Impasse:
        return cls(ImpasseRule(d["rule"]), tuple(d.get("proposals", ())),
                   tuple(d.get("ministries", ())),
                   tuple(Link.from_dict(k) for k in d.get("links", ())), d.get("need", 0),
                   tuple(Fix(f) for f in d.get("fixes", ())))


@dataclass(frozen=True)
class Seating:
    tables: tuple[PlannedTable, ...]
    breaches: tuple[Breach, ...]
    impasses: tuple[Impasse, ...]
    method: str  # "milp" or "greedy"
    moved: tuple[str, ...] = ()  # people whose table differs from the previous seating


@dataclass
class Assignment:
    """Table indexes (0-based): proposal number -> table, person key -> table."""

    topics: dict[int, int]
    people: dict[str, int]


# -- the whole job ----------------------------------------------------------------------------


def seat(instance: Instance, time_limit: float = 5.0, solver: bool = True) -> Seating:
    """Seat `instance`; the solver first (unless `solver` is False), the greedy seating if the
    solver finds nothing in `time_limit` seconds."""
    inst = normalise(instance)
    impasses = quick_impasses(inst)
    candidates = [(greedy(inst), "greedy")]
    if solver:
        solved = _solve(inst, time_limit, strict=not impasses)
        if solved is None and not impasses:  # no seating keeps every rule: break the fewest
            solved = _solve(inst, time_limit)
        if isinstance(solved, Assignment):
            candidates.insert(0, (solved, "milp"))
    assignment, method = min(candidates, key=lambda c: score(inst, c[0]))
    breaches = check(inst, assignment)
    if _unexplained(breaches, impasses) and not any(c.rule is ImpasseRule.TOO_MANY_PEOPLE
                                                      for c in impasses):
        found, more = _explain_rest(inst, impasses, time.monotonic() + time_limit)
        impasses = impasses + more
        if found is not None:
            assignment, breaches = found, check(inst, found)
    return _seating(inst, assignment, breaches, impasses, method)


def seat_greedy(instance: Instance) -> Seating:
    """The greedy seating alone, with the hard rules it breaks (no explanation)."""
    inst = normalise(instance)
    a = greedy(inst)
    return _seating(inst, a, check(inst, a), (), "greedy")


def normalise(instance: Instance) -> Instance:
    """Every proposer takes part; each person once; proposals sorted by number."""
    seen: dict[str, Attendee] = {}
    for a in instance.attendees:
        seen.setdefault(a.key, a)
    for t in instance.topics:
        seen.setdefault(t.proposer, Attendee(t.proposer))
    topics = tuple(sorted({t.number: t for t in instance.topics}.values(),
                          key=lambda t: t.number))
    return replace(instance, topics=topics, attendees=tuple(seen.values()),
                   count=max(1, instance.count), max_size=max(1, instance.max_size))


def check(inst: Instance, a: Assignment) -> tuple[Breach, ...]:
    """The hard rules `a` breaks (each proposal and person is at one table by construction)."""
    out: list[Breach] = []
    members = {t.ministry: set(inst.members(t.ministry)) for t in inst.topics}
    for t in inst.topics:
        k = a.topics[t.number]
        if a.people.get(t.proposer) != k:
            out.append(Breach(BreachRule.PROPOSER_AWAY, k + 1, t.number, t.proposer))
        if not any(a.people.get(m) == k for m in members[t.ministry]):
            out.append(Breach(BreachRule.MINISTRY_AWAY, k + 1, t.number, t.ministry))
    sizes = Counter(a.people.values())
    for k in range(inst.count):
        if sizes[k] > inst.max_size:
            out.append(Breach(BreachRule.OVER_SIZE, k + 1, size=sizes[k]))
    return tuple(out)


def score(inst: Instance, a: Assignment) -> tuple[int, float]:
    """How good a seating is: hard rules broken, then the wishes' cost (lower is better): the
    proposals outside their table's main area and the areas per table, sizes off the even
    size, observers over their share, moves, less the people near their areas."""
    table_count = inst.count
    area_of = {t.number: t.area for t in inst.topics}
    kind = {x.key: x for x in inst.attendees}
    discussed = [{area_of[n] for n, k in a.topics.items() if k == table}
                 for table in range(table_count)]
    sizes = Counter(a.people.values())
    total = len(inst.attendees)
    low, high = total // table_count, math.ceil(total / table_count)
    watchers = Counter(k for p, k in a.people.items() if kind[p].kind == OBSERVER)
    limit = math.ceil(sum(watchers.values()) / table_count)
    held = [Counter(area_of[n] for n, k in a.topics.items() if k == table)
            for table in range(table_count)]
    impure = sum(sum(c.values()) - max(c.values()) for c in held if c)
    cost = AREA * (impure + sum(len(d) for d in discussed))
    cost += SPREAD * sum(max(0, sizes[k] - high, low - sizes[k]) for k in range(table_count))
    cost += OBSERVERS * sum(max(0, watchers[k] - limit) for k in range(table_count))
    cost += MOVE * sum(1 for p, k in a.people.items()
                       if p in inst.previous and inst.previous[p] != k + 1)
    cost += MOVE * sum(1 for n, k in a.topics.items()
                       if n in inst.previous_topics and inst.previous_topics[n] != k + 1)
    cost -= INTEREST * sum(1 for p, k in a.people.items() if set(kind[p].areas) & discussed[k])
    return len(check(inst, a)), cost


# -- impasses ----------------------------------------------------------------------------------


def pins(inst: Instance) -> dict[str, list[int]]:
    """Person key -> the proposals that need exactly that person at their table."""
    members = {t.ministry: inst.members(t.ministry) for t in inst.topics}
    pinned: dict[str, list[int]] = defaultdict(list)
    for t in inst.topics:
        pinned[t.proposer].append(t.number)
        only = members[t.ministry]
        if len(only) == 1 and only[0] != t.proposer:
            pinned[only[0]].append(t.number)
    return pinned


def groups(inst: Instance) -> list[list[int]]:
    """Proposals that must share a table, because one person is needed at each of them."""
    parent = {t.number: t.number for t in inst.topics}

    def find(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for numbers in pins(inst).values():
        for n in numbers[1:]:
            parent[find(n)] = find(numbers[0])
    out: dict[int, list[int]] = defaultdict(list)
    for t in inst.topics:
        out[find(t.number)].append(t.number)
    return sorted(out.values())


def seats_needed(inst: Instance, group: Iterable[int]) -> int:
    """The fewest people a table holding the proposals `group` must seat."""
    numbers = set(group)
    topics = [t for t in inst.topics if t.number in numbers]
    pinned = {k for k, ns in pins(inst).items() if numbers & set(ns)}
    need = len(pinned)
    for ministry in {t.ministry for t in topics}:
        members = set(inst.members(ministry))
        if members and not members & pinned:
            need += 1
    return need


def quick_impasses(inst: Instance) -> tuple[Impasse, ...]:
    """Impasses found by counting: a ministry nobody represents, more people than seats, and
    proposals tied to one table that need more seats than a table has."""
    out: list[Impasse] = []
    absent: dict[str, list[int]] = defaultdict(list)
    for t in inst.topics:
        if not inst.members(t.ministry):
            absent[t.ministry].append(t.number)
    for ministry, numbers in sorted(absent.items()):
        out.append(Impasse(ImpasseRule.NO_MINISTRY_PERSON, tuple(numbers), (ministry,),
                           fixes=(Fix.REPRESENTATIVE,)))
    people = len(inst.attendees)
    if people > inst.count * inst.max_size:
        out.append(Impasse(ImpasseRule.TOO_MANY_PEOPLE, need=people,
                           fixes=(Fix.TABLES, Fix.MAX_SIZE)))
    pinned = pins(inst)
    members = {t.ministry: inst.members(t.ministry) for t in inst.topics}
    for group in groups(inst):
        need = seats_needed(inst, group)
        if need <= inst.max_size:
            continue
        links = tuple(_link(inst, person, numbers, members)
                      for person, numbers in sorted(pinned.items())
                      if len(numbers) > 1 and numbers[0] in group)
        sole = tuple(sorted({lk.ministry for lk in links if lk.why == "sole_member"}))
        fixes = (Fix.MAX_SIZE, Fix.REPRESENTATIVE, Fix.SECOND_ROUND) if sole else (
            Fix.MAX_SIZE, Fix.SECOND_ROUND)
        out.append(Impasse(ImpasseRule.CROWDED, tuple(group), sole, links, need, fixes))
    return tuple(out)


def _link(inst: Instance, person: str, numbers: list[int],
          members: dict[str, list[str]]) -> Link:
    proposed = {t.number for t in inst.topics if t.proposer == person}
    if proposed >= set(numbers):
        return Link(person, "proposer", tuple(numbers))
    ministry = next(t.ministry for t in inst.topics
                    if t.number in numbers and members[t.ministry] == [person])
    return Link(person, "sole_member", tuple(numbers), ministry)


def _unexplained(breaches: Iterable[Breach], impasses: Iterable[Impasse]) -> bool:
    explained = {n for c in impasses for n in c.proposals}
    return any(b.proposal not in explained for b in breaches)


def _explain_rest(inst: Instance, known: tuple[Impasse, ...],
                  deadline: float) -> tuple[Assignment | None, tuple[Impasse, ...]]:
    """Look for a seating of the proposals no known impasse names; when there is none, find
    a smallest set of tied groups that cannot be seated together and say why."""
    named = {n for c in known for n in c.proposals}
    rest = [g for g in groups(inst) if not named & set(g)]
    found: list[Impasse] = []
    first: Assignment | None = None
    while rest and time.monotonic() < deadline:
        verdict = _feasible(inst, rest, deadline)
        if verdict is not None:
            if not found and not known and isinstance(verdict, Assignment):
                first = verdict  # every proposal fits: the first search just missed it
            break
        core = list(rest)
        for g in list(core):
            trial = [h for h in core if h is not g]
            if trial and _feasible(inst, trial, deadline) is None:
                core = trial
        found.append(_describe(inst, core))
        rest = [g for g in rest if g not in core]
    return first, tuple(found)


class _Unknown:
    """The solver ran out of time before it could tell."""


_UNKNOWN = _Unknown()


def _feasible(inst: Instance, chosen: list[list[int]],
              deadline: float) -> Assignment | _Unknown | None:
    """A seating keeping every hard rule for the proposals in `chosen`; None when none exists."""
    sub = inst.only(n for g in chosen for n in g)
    left = deadline - time.monotonic()
    if left <= 0:
        return _UNKNOWN
    return _solve(sub, left, strict=True, wishes=False)


def _describe(inst: Instance, core: list[list[int]]) -> Impasse:
    numbers = sorted(n for g in core for n in g)
    topics = [t for t in inst.topics if t.number in set(numbers)]
    by_group = {n: i for i, g in enumerate(core) for n in g}
    spread: dict[str, set[int]] = defaultdict(set)
    for t in topics:
        if len(inst.members(t.ministry)) > 1:
            spread[t.ministry].add(by_group[t.number])
    ministries = tuple(sorted(m for m, gs in spread.items() if len(gs) > 1))
    pinned = pins(inst.only(numbers))
    members = {t.ministry: inst.members(t.ministry) for t in topics}
    links = tuple(_link(inst, p, ns, members) for p, ns in sorted(pinned.items()) if len(ns) > 1)
    if ministries:
        return Impasse(ImpasseRule.STRETCHED, tuple(numbers), ministries, links,
                       fixes=(Fix.REPRESENTATIVE, Fix.MAX_SIZE, Fix.SECOND_ROUND))
    return Impasse(ImpasseRule.PACKING, tuple(numbers), (), links,
                   fixes=(Fix.TABLES, Fix.MAX_SIZE, Fix.SECOND_ROUND))


# -- the solver -------------------------------------------------------------------------------


class _Model:
    """A mixed-integer model built row by row for `scipy.optimize.milp`."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.integer: list[int] = []
        self.cells: tuple[list[int], list[int], list[float]] = ([], [], [])
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []

    def var(self, cost: float = 0.0, hi: float = 1.0, integer: bool = True) -> int:
        self.cost.append(cost)
        self.lo.append(0.0)
        self.hi.append(hi)
        self.integer.append(1 if integer else 0)
        return len(self.cost) - 1

    def row(self, terms: Iterable[tuple[int, float]], lo: float = -math.inf,
            hi: float = math.inf) -> None:
        r = len(self.row_lo)
        rows, cols, vals = self.cells
        for col, val in terms:
            rows.append(r)
            cols.append(col)
            vals.append(val)
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def solve(self, time_limit: float) -> tuple[int, np.ndarray | None]:
        # Imported here: they take longer to load than the rest of the bot (every `ogpbot`
        # command would wait for them), and only `tables assign` needs them.
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_array

        rows, cols, vals = self.cells
        matrix = coo_array((vals, (rows, cols)), shape=(len(self.row_lo), len(self.cost)))
        result = milp(np.array(self.cost), integrality=np.array(self.integer),
                      bounds=Bounds(np.array(self.lo), np.array(self.hi)),
                      constraints=LinearConstraint(matrix.tocsr(), np.array(self.row_lo),
                                                   np.array(self.row_hi)),
                      options={"time_limit": max(0.05, time_limit), "mip_rel_gap": 0.01,
                               "disp": False})
        return result.status, result.x


def _solve(inst: Instance, time_limit: float, strict: bool = False,
           wishes: bool = True) -> Assignment | _Unknown | None:
    """Solve with HiGHS in two stages: first the tied groups of proposals and how many people
    of each ministry sit at each table, then everyone else into the seats left (a
    transportation problem). `strict`: the hard rules are constraints (None: no seating
    keeps them all; `_UNKNOWN`: no answer within the time limit); otherwise a broken hard
    rule is a costly slack and None means the solver found nothing in time. `wishes`: the
    wishes are costs; without them any seating will do."""
    start = time.monotonic()
    first = _GroupsAtTables(inst, strict, wishes)
    status, values = first.model.solve(time_limit)
    if values is None:
        return _UNKNOWN if strict and status != 2 else None
    topics, people, free = first.read(values)
    left = time_limit - (time.monotonic() - start)
    people.update(_seat_the_rest(inst, topics, free, first.others, left, wishes))
    return Assignment(topics, people)


def designate(inst: Instance) -> list[str]:
    """The area each table is meant for. A table keeps the main area it had in the previous
    seating; the other tables are shared among the areas by the seats their proposals need
    (largest remainder), so that every area with proposals has a table if there are enough."""
    table_count = inst.count
    area_of = {t.number: t.area for t in inst.topics}
    need: Counter[str] = Counter()
    for g in groups(inst):
        need[Counter(area_of[n] for n in g).most_common(1)[0][0]] += seats_needed(inst, g)
    out = [""] * table_count
    held: dict[int, Counter[str]] = defaultdict(Counter)
    for n, table in inst.previous_topics.items():
        if n in area_of and 1 <= table <= table_count:
            held[table - 1][area_of[n]] += 1
    for k, counts in held.items():
        out[k] = min(counts, key=lambda a: (-counts[a], a))
    open_ = [k for k in range(table_count) if not out[k]]
    areas = sorted(need, key=lambda a: (-need[a], a))
    share: Counter[str] = Counter(a for a in out if a)
    total = sum(need.values()) or 1
    for k in open_:
        if not areas:
            break
        a = max(areas, key=lambda a: (need[a] / total * table_count - share[a], -areas.index(a)))
        share[a] += 1
        out[k] = a
    if not held:  # tables of one area side by side: the model's symmetry cuts rely on it
        out = sorted(out, key=lambda a: (areas.index(a) if a in areas else len(areas)))
    return out


class _GroupsAtTables:
    """The first stage of the solver: which table each group of tied proposals goes to, how
    many of each ministry's unpinned people sit at each table, and how many of everyone else
    (a count per table; `_seat_the_rest` names them).

    Each table is meant for one area (`designate`), and a proposal of another area at it
    costs `AREA`; that keeps the relaxation tight, so HiGHS proves a good seating quickly.
    When the seating is fresh, tables of one area are alike: the r-th group (largest first) may
    only use the first r + 1 tables of each area, which loses no seating.

    The model's variables: `group_at[group, table]` (1: the group's proposals are discussed
    there), `ministry_people_at[ministry, table]` (how many of the ministry's people who are
    not pinned to a group sit there) and `others_at[table]` (how many of the rest)."""

    def __init__(self, inst: Instance, strict: bool, wishes: bool) -> None:
        self.inst = inst
        self.strict, self.wishes = strict, wishes
        self.tables = range(inst.count)
        self.model = _Model()
        self.groups = groups(inst)
        group_of = {number: group for group, numbers in enumerate(self.groups)
                    for number in numbers}
        # a person a group cannot do without (its proposer, a ministry's only member) -> group
        self.pinned = {person: group_of[numbers[0]] for person, numbers in pins(inst).items()}
        self.org_of = {a.key: a.org for a in inst.attendees}
        needed = {t.ministry for t in inst.topics}
        # the unpinned people of each ministry whose proposals are discussed, by ministry
        self.ministry_people: dict[str, list[str]] = defaultdict(list)
        for a in inst.attendees:
            if a.key not in self.pinned and a.org in needed:
                self.ministry_people[a.org or ""].append(a.key)
        self.others = [a for a in inst.attendees
                       if a.key not in self.pinned and a.org not in self.ministry_people]
        self.areas = designate(inst)
        self.area_of = {t.number: t.area for t in inst.topics}
        self.seated_with = Counter(self.pinned.values())  # group -> people pinned to it
        self._variables()
        self._everyone_seated_once()
        self._ministries_at_their_proposals()
        self._table_sizes()
        if wishes:
            self._ministries_near_their_proposals()

    def _was_at(self, table_number: int | None) -> int:
        """The table index of a previous seating's table number; -1 for none."""
        return table_number - 1 if table_number is not None and \
            1 <= table_number <= self.inst.count else -1

    def _cost(self, group: int, table: int) -> float:
        """A group at a table: `AREA` for each proposal of another area than the table's, less
        `MOVE` for each proposal and pinned person back at the table they were at before."""
        if not self.wishes:
            return 0.0
        previous, numbers = self.inst.previous, self.groups[group]
        off = sum(1 for n in numbers if self.area_of[n] != self.areas[table])
        same = sum(1 for n in numbers
                   if self._was_at(self.inst.previous_topics.get(n)) == table)
        same += sum(1 for person, g in self.pinned.items()
                    if g == group and self._was_at(previous.get(person)) == table)
        return AREA * off - MOVE * same

    def _variables(self) -> None:
        model, tables, count = self.model, self.tables, len(self.groups)
        fresh = not self.inst.previous and not self.inst.previous_topics
        rank = {group: r for r, group in enumerate(sorted(
            range(count), key=lambda group: (-self.seated_with[group], group)))}
        # a table's place among the tables of its area (0 for the first)
        nth_of_area = {table: table - next(t for t in tables if self.areas[t] == self.areas[table])
                       for table in tables}

        def may_use(group: int, table: int) -> bool:
            return not fresh or nth_of_area[table] <= rank[group]

        self.group_at = {(group, table): model.var(self._cost(group, table),
                                                   hi=1.0 if may_use(group, table) else 0.0)
                         for group in range(count) for table in tables}
        self.ministry_people_at = {(ministry, table): model.var(0.0, hi=len(people))
                                   for ministry, people in self.ministry_people.items()
                                   for table in tables}
        self.others_at = {table: model.var(0.0, hi=len(self.others)) for table in tables}

    def _everyone_seated_once(self) -> None:
        """Each group at one table; each ministry's people and the others, all of them."""
        model, tables = self.model, self.tables
        for group in range(len(self.groups)):
            model.row(((self.group_at[group, table], 1.0) for table in tables), 1.0, 1.0)
        for ministry, people in self.ministry_people.items():
            model.row(((self.ministry_people_at[ministry, table], 1.0) for table in tables),
                      len(people), len(people))
        everyone = len(self.others)
        model.row(((self.others_at[table], 1.0) for table in tables), everyone, everyone)

    def _ministries_at_their_proposals(self) -> None:
        """At each group's table, someone of each ministry whose proposal the group holds: a
        person pinned to a group at that table, or one of its unpinned people (strict: a hard
        rule; otherwise breaking it costs `BREAK`)."""
        model, inst = self.model, self.inst
        holding: dict[str, set[int]] = defaultdict(set)  # ministry -> groups seating one
        for person, group in self.pinned.items():
            if self.org_of.get(person):
                holding[self.org_of[person] or ""].add(group)
        for group, numbers in enumerate(self.groups):
            for ministry in sorted({t.ministry for t in inst.topics if t.number in numbers}):
                if group in holding[ministry]:
                    continue
                if self.strict and not inst.members(ministry):
                    model.row([(self.group_at[group, 0], 1.0)], hi=-1.0)  # nobody: no seating
                    continue
                slack = None if self.strict else model.var(BREAK, integer=False)
                for table in self.tables:
                    terms = [(self.group_at[group, table], 1.0)] + [
                        (self.group_at[other, table], -1.0) for other in holding[ministry]]
                    if ministry in self.ministry_people:
                        terms.append((self.ministry_people_at[ministry, table], -1.0))
                    if slack is not None:
                        terms.append((slack, -1.0))
                    model.row(terms, hi=0.0)

    def _table_sizes(self) -> None:
        """No table over `max_size` (strict: a hard rule; otherwise `BREAK` a seat over); with
        wishes, tables of about even size (`SPREAD` a seat off) and the others back at their
        previous table (`MOVE` each who is not)."""
        model, inst = self.model, self.inst
        total = len(inst.attendees)
        low, high = total // inst.count, math.ceil(total / inst.count)
        for table in self.tables:
            size = [(self.group_at[group, table], float(self.seated_with[group]))
                    for group in range(len(self.groups))]
            size += [(self.ministry_people_at[ministry, table], 1.0)
                     for ministry in self.ministry_people]
            size += [(self.others_at[table], 1.0)]
            if self.strict:
                model.row(size, hi=inst.max_size)
            else:
                over = model.var(BREAK, hi=total, integer=False)
                model.row([*size, (over, -1.0)], hi=inst.max_size)
            if not self.wishes:
                continue
            off = model.var(SPREAD, hi=total, integer=False)
            model.row([*size, (off, -1.0)], hi=high)
            model.row([*size, (off, 1.0)], lo=low)
            stayed = sum(1 for a in self.others
                         if self._was_at(inst.previous.get(a.key)) == table)
            if stayed:
                gone = model.var(MOVE, hi=stayed, integer=False)
                model.row([(self.others_at[table], 1.0), (gone, 1.0)], lo=stayed)

    def _ministries_near_their_proposals(self) -> None:
        """A ministry's unpinned people back at their previous table (`MOVE` each) and at the
        tables of its proposals (`INTEREST` each)."""
        model, inst = self.model, self.inst
        for ministry, people in self.ministry_people.items():
            theirs = [group for group, numbers in enumerate(self.groups)
                      if any(t.ministry == ministry for t in inst.topics if t.number in numbers)]
            for table in self.tables:
                seated = self.ministry_people_at[ministry, table]
                stayed = sum(1 for p in people if self._was_at(inst.previous.get(p)) == table)
                if stayed:  # ministry people back at their table
                    kept = model.var(-MOVE, hi=stayed, integer=False)
                    model.row([(kept, 1.0), (seated, -1.0)], hi=0.0)
                near = model.var(-INTEREST, hi=len(people), integer=False)  # its proposals'
                model.row([(near, 1.0), (seated, -1.0)], hi=0.0)
                model.row([(near, 1.0)] + [(self.group_at[group, table], -float(len(people)))
                                           for group in theirs], hi=0.0)

    def read(self, values: np.ndarray) -> tuple[dict[int, int], dict[str, int], list[int]]:
        """From the solution: each proposal's table, each pinned and ministry person's table,
        and how many of the others each table seats."""
        inst, tables = self.inst, self.tables
        at = {group: max(tables, key=lambda t: values[self.group_at[group, t]])  # bound now
              for group in range(len(self.groups))}
        topics = {n: at[group] for group, numbers in enumerate(self.groups) for n in numbers}
        people = {person: at[group] for person, group in self.pinned.items()}
        for ministry, members in self.ministry_people.items():
            left = [max(0, round(values[self.ministry_people_at[ministry, t]])) for t in tables]
            queue = sorted(members, key=lambda p: inst.previous.get(p) is None)
            for p in list(queue):  # back at the previous table where there is room
                was = inst.previous.get(p, 0) - 1
                if 0 <= was < inst.count and left[was] > 0:
                    people[p] = was
                    left[was] -= 1
                    queue.remove(p)
            for table in tables:
                while left[table] > 0 and queue:
                    people[queue.pop(0)] = table
                    left[table] -= 1
            for p in queue:
                people[p] = max(tables, key=lambda t: values[self.ministry_people_at[ministry, t]])
        free = [max(0, round(values[self.others_at[t]])) for t in tables]
        free[-1] += len(self.others) - sum(free)
        return topics, people, free


def _seat_the_rest(inst: Instance, topics: dict[int, int], free: list[int],
                   others: list[Attendee], time_limit: float, wishes: bool) -> dict[str, int]:
    """The people no proposal needs, `free[table]` of them at each table: back at their
    previous table, near the areas their organisation works in, and observers spread (no table
    gets more than its share while another has room). Classes of alike people to tables: a
    transportation problem, whose relaxation is integral."""
    count = inst.count
    tables = range(count)
    if not wishes or not others:
        seats = [table for table in tables for _ in range(max(0, free[table]))]
        return {a.key: seats[i] if i < len(seats) else i % count for i, a in enumerate(others)}
    area_of = {t.number: t.area for t in inst.topics}
    discussed = [{area_of[n] for n, at in topics.items() if at == table} for table in tables]
    # (an observer?, their areas, their previous table number or 0) -> the people alike
    classes: dict[tuple[bool, tuple[str, ...], int], list[str]] = defaultdict(list)
    for a in others:
        was = inst.previous.get(a.key, 0)
        classes[(a.kind == OBSERVER, a.areas, was if 1 <= was <= count else 0)].append(a.key)
    keys = sorted(classes)
    watchers = [c for c, key in enumerate(keys) if key[0]]  # the classes of observers
    observers = sum(len(classes[keys[c]]) for c in watchers)
    limit = math.ceil(observers / count)
    while sum(min(seats, limit) for seats in free) < observers:
        limit += 1
    model = _Model()
    class_at = {}  # (class, table) -> how many of the class sit there
    for c, (_, areas, was) in enumerate(keys):
        size = len(classes[keys[c]])
        for table in tables:
            cost = (-MOVE if was == table + 1 else 0.0) - (
                INTEREST if set(areas) & discussed[table] else 0.0)
            class_at[c, table] = model.var(cost, hi=size)
        model.row(((class_at[c, table], 1.0) for table in tables), size, size)
    for table in tables:
        model.row(((class_at[c, table], 1.0) for c in range(len(keys))), free[table],
                  free[table])
        if watchers:
            model.row(((class_at[c, table], 1.0) for c in watchers), hi=limit)
    _, values = model.solve(max(0.2, time_limit))
    if values is None:
        return _seat_the_rest(inst, topics, free, others, time_limit, wishes=False)
    out: dict[str, int] = {}
    for c, key in enumerate(keys):
        queue = list(classes[key])
        for table in tables:
            for _ in range(round(values[class_at[c, table]])):
                if queue:
                    out[queue.pop(0)] = table
        for p in queue:
            out[p] = min(tables, key=lambda t: sum(1 for v in out.values() if v == t))
    return out


# -- the greedy seating --------------------------------------------------------------------------


def greedy(inst: Instance) -> Assignment:
    """A fast seating: tied proposals first, each to the table that fits it best, then the
    ministries they need, then everyone else where their areas are discussed."""
    table_count, cap = inst.count, inst.max_size
    topic_of = {t.number: t for t in inst.topics}
    load = [0] * table_count
    area_at: list[Counter[str]] = [Counter() for _ in range(table_count)]
    watchers = [0] * table_count
    people: dict[str, int] = {}
    topics: dict[int, int] = {}
    pinned = pins(inst)

    def seat(key: str, k: int) -> None:
        people[key] = k
        load[k] += 1

    def prev(table: int | None) -> int | None:
        return table - 1 if table is not None and 1 <= table <= table_count else None

    ordered = sorted(groups(inst), key=lambda g: (-seats_needed(inst, g), g))
    for group in ordered:
        need = seats_needed(inst, group) - sum(
            1 for p, ns in pinned.items() if p in people and set(ns) & set(group))
        area = Counter(topic_of[n].area for n in group).most_common(1)[0][0]
        before = Counter(prev(inst.previous_topics.get(n)) for n in group).most_common(1)[0][0]
        fits = [k for k in range(table_count) if load[k] + need <= cap] or list(
            range(table_count))
        k = min(fits, key=lambda k: (k != before, -area_at[k][area], load[k]))
        for n in group:
            topics[n] = k
            area_at[k][topic_of[n].area] += 1
        for person, numbers in pinned.items():
            if person not in people and set(numbers) & set(group):
                seat(person, k)
        for n in group:
            members = inst.members(topic_of[n].ministry)
            if any(people.get(p) == k for p in members):
                continue
            free = [p for p in members if p not in people]
            if free:
                seat(min(free, key=lambda p: prev(inst.previous.get(p)) != k), k)
    kinds = {a.key: a for a in inst.attendees}
    rest = [a for a in inst.attendees if a.key not in people]
    rest.sort(key=lambda a: prev(inst.previous.get(a.key)) is None)
    for a in rest:
        was = prev(inst.previous.get(a.key))
        if was is not None and load[was] < cap:
            k = was
        else:
            open_ = [k for k in range(table_count) if load[k] < cap] or list(range(table_count))
            watcher = kinds[a.key].kind == OBSERVER
            k = min(open_, key=lambda k: (watchers[k] if watcher else 0,
                                          not any(area_at[k][x] for x in a.areas), load[k]))
        seat(a.key, k)
        if kinds[a.key].kind == OBSERVER:
            watchers[k] += 1
    return Assignment(topics, people)


# -- the result ---------------------------------------------------------------------------------


def _seating(inst: Instance, a: Assignment, breaches: tuple[Breach, ...],
             impasses: tuple[Impasse, ...], method: str) -> Seating:
    topic_of = {t.number: t for t in inst.topics}
    order = {a.key: i for i, a in enumerate(inst.attendees)}
    tables = []
    for k in range(inst.count):
        numbers = tuple(sorted(n for n, at in a.topics.items() if at == k))
        areas = Counter(topic_of[n].area for n in numbers)
        area = min(areas, key=lambda x: (-areas[x], x)) if areas else ""
        people = tuple(sorted((p for p, at in a.people.items() if at == k),
                              key=lambda p: order.get(p, 0)))
        tables.append(PlannedTable(k + 1, area, numbers, people))
    moved = tuple(p for p, at in a.people.items()
                  if p in inst.previous and inst.previous[p] != at + 1)
    return Seating(tuple(tables), breaches, impasses, method, moved)
