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
from typing import TYPE_CHECKING

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


@dataclass(frozen=True)
class Breach:
    """A hard rule the seating breaks: `proposer_away`, `ministry_away` or `over_size`."""

    rule: str
    table: int
    proposal: int | None = None
    who: str = ""  # the proposer's key, or the ministry's org key
    size: int = 0


@dataclass(frozen=True)
class Link:
    """Why proposals must share a table: one person is needed at each of them."""

    person: str
    why: str  # "proposer": they proposed them all; "sole_member": the only one of `ministry`
    proposals: tuple[int, ...]
    ministry: str = ""


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

    rule: str
    proposals: tuple[int, ...] = ()
    ministries: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    need: int = 0
    fixes: tuple[str, ...] = ()


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
    if _unexplained(breaches, impasses) and not any(c.rule == "too_many_people"
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
            out.append(Breach("proposer_away", k + 1, t.number, t.proposer))
        if not any(a.people.get(m) == k for m in members[t.ministry]):
            out.append(Breach("ministry_away", k + 1, t.number, t.ministry))
    sizes = Counter(a.people.values())
    for k in range(inst.count):
        if sizes[k] > inst.max_size:
            out.append(Breach("over_size", k + 1, size=sizes[k]))
    return tuple(out)


def score(inst: Instance, a: Assignment) -> tuple[int, float]:
    """How good a seating is: hard rules broken, then the wishes' cost (lower is better): the
    proposals outside their table's main area and the areas per table, sizes off the even
    size, observers over their share, moves, less the people near their areas."""
    K = inst.count
    area_of = {t.number: t.area for t in inst.topics}
    kind = {x.key: x for x in inst.attendees}
    discussed = [{area_of[n] for n, k in a.topics.items() if k == table} for table in range(K)]
    sizes = Counter(a.people.values())
    total = len(inst.attendees)
    low, high = total // K, math.ceil(total / K)
    watchers = Counter(k for p, k in a.people.items() if kind[p].kind == OBSERVER)
    limit = math.ceil(sum(watchers.values()) / K)
    held = [Counter(area_of[n] for n, k in a.topics.items() if k == table) for table in range(K)]
    impure = sum(sum(c.values()) - max(c.values()) for c in held if c)
    cost = AREA * (impure + sum(len(d) for d in discussed))
    cost += SPREAD * sum(max(0, sizes[k] - high, low - sizes[k]) for k in range(K))
    cost += OBSERVERS * sum(max(0, watchers[k] - limit) for k in range(K))
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
        out.append(Impasse("no_ministry_person", tuple(numbers), (ministry,),
                            fixes=("representative",)))
    people = len(inst.attendees)
    if people > inst.count * inst.max_size:
        out.append(Impasse("too_many_people", need=people, fixes=("tables", "max_size")))
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
        fixes = ("max_size", "representative", "second_round") if sole else (
            "max_size", "second_round")
        out.append(Impasse("crowded", tuple(group), sole, links, need, fixes))
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
        return Impasse("stretched", tuple(numbers), ministries, links,
                        fixes=("representative", "max_size", "second_round"))
    return Impasse("packing", tuple(numbers), (), links,
                    fixes=("tables", "max_size", "second_round"))


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
    first = _Stage1(inst, strict, wishes)
    status, values = first.model.solve(time_limit)
    if values is None:
        return _UNKNOWN if strict and status != 2 else None
    topics, people, free = first.read(values)
    left = time_limit - (time.monotonic() - start)
    people.update(_seat_the_rest(inst, topics, free, first.crowd, left, wishes))
    return Assignment(topics, people)


def designate(inst: Instance) -> list[str]:
    """The area each table is meant for. A table keeps the main area it had in the previous
    seating; the other tables are shared among the areas by the seats their proposals need
    (largest remainder), so that every area with proposals has a table if there are enough."""
    K = inst.count
    area_of = {t.number: t.area for t in inst.topics}
    need: Counter[str] = Counter()
    for g in groups(inst):
        need[Counter(area_of[n] for n in g).most_common(1)[0][0]] += seats_needed(inst, g)
    out = [""] * K
    held: dict[int, Counter[str]] = defaultdict(Counter)
    for n, table in inst.previous_topics.items():
        if n in area_of and 1 <= table <= K:
            held[table - 1][area_of[n]] += 1
    for k, counts in held.items():
        out[k] = min(counts, key=lambda a: (-counts[a], a))
    open_ = [k for k in range(K) if not out[k]]
    areas = sorted(need, key=lambda a: (-need[a], a))
    share: Counter[str] = Counter(a for a in out if a)
    total = sum(need.values()) or 1
    for k in open_:
        if not areas:
            break
        a = max(areas, key=lambda a: (need[a] / total * K - share[a], -areas.index(a)))
        share[a] += 1
        out[k] = a
    if not held:  # tables of one area side by side: the model's symmetry cuts rely on it
        out = sorted(out, key=lambda a: (areas.index(a) if a in areas else len(areas)))
    return out


class _Stage1:
    """Groups of tied proposals to tables, and how many of each ministry's other people sit
    at each table; the people nobody needs only as a count per table.

    Each table is meant for one area (`designate`), and a proposal of another area at it
    costs `AREA`; that keeps the relaxation tight, so HiGHS proves a good seating quickly.
    When the seating is fresh, tables of one area are alike: the r-th group (largest first) may
    only use the first r + 1 tables of each area, which loses no seating."""

    def __init__(self, inst: Instance, strict: bool, wishes: bool) -> None:
        self.inst = inst
        K, cap = inst.count, inst.max_size
        tables = range(K)
        m = self.model = _Model()
        self.groups = groups(inst)
        group_of = {n: i for i, g in enumerate(self.groups) for n in g}
        self.pinned = {p: group_of[ns[0]] for p, ns in pins(inst).items()}
        org = {a.key: a.org for a in inst.attendees}
        needed = {t.ministry for t in inst.topics}
        self.loose: dict[str, list[str]] = defaultdict(list)
        for a in inst.attendees:
            if a.key not in self.pinned and a.org in needed:
                self.loose[a.org or ""].append(a.key)
        self.crowd = [a for a in inst.attendees
                      if a.key not in self.pinned and a.org not in self.loose]
        fresh = not inst.previous and not inst.previous_topics
        self.areas = designate(inst)
        area_of = {t.number: t.area for t in inst.topics}

        def before(table: int | None) -> int:
            return table - 1 if table is not None and 1 <= table <= K else -1

        heads = Counter(self.pinned.values())

        def cost(i: int, k: int) -> float:
            if not wishes:
                return 0.0
            off = sum(1 for n in self.groups[i] if area_of[n] != self.areas[k])
            same = sum(1 for n in self.groups[i] if before(inst.previous_topics.get(n)) == k)
            same += sum(1 for p, g in self.pinned.items()
                        if g == i and before(inst.previous.get(p)) == k)
            return AREA * off - MOVE * same

        rank = {i: r for r, i in enumerate(sorted(range(len(self.groups)),
                                                  key=lambda i: (-heads[i], i)))}
        place = {k: k - next(j for j in tables if self.areas[j] == self.areas[k])
                 for k in tables}

        def open_(i: int, k: int) -> bool:
            return not fresh or place[k] <= rank[i]

        self.g = {(i, k): m.var(cost(i, k), hi=1.0 if open_(i, k) else 0.0)
                  for i in range(len(self.groups)) for k in tables}
        self.u = {(mi, k): m.var(0.0, hi=len(ps)) for mi, ps in self.loose.items()
                  for k in tables}
        self.f = {k: m.var(0.0, hi=len(self.crowd)) for k in tables}
        for i in range(len(self.groups)):
            m.row(((self.g[i, k], 1.0) for k in tables), 1.0, 1.0)
        for mi, ps in self.loose.items():
            m.row(((self.u[mi, k], 1.0) for k in tables), len(ps), len(ps))
        m.row(((self.f[k], 1.0) for k in tables), len(self.crowd), len(self.crowd))

        holding: dict[str, set[int]] = defaultdict(set)  # ministry -> groups seating one
        for p, i in self.pinned.items():
            if org.get(p):
                holding[org[p] or ""].add(i)
        for i, g in enumerate(self.groups):
            for ministry in sorted({t.ministry for t in inst.topics if t.number in g}):
                if i in holding[ministry]:
                    continue
                if strict and not inst.members(ministry):
                    m.row([(self.g[i, 0], 1.0)], hi=-1.0)  # nobody of it: no seating
                    continue
                slack = None if strict else m.var(BREAK, integer=False)
                for k in tables:
                    terms = [(self.g[i, k], 1.0)] + [(self.g[j, k], -1.0)
                                                     for j in holding[ministry]]
                    if ministry in self.loose:
                        terms.append((self.u[ministry, k], -1.0))
                    if slack is not None:
                        terms.append((slack, -1.0))
                    m.row(terms, hi=0.0)
        total = len(inst.attendees)
        low, high = total // K, math.ceil(total / K)
        for k in tables:
            size = [(self.g[i, k], float(heads[i])) for i in range(len(self.groups))]
            size += [(self.u[mi, k], 1.0) for mi in self.loose] + [(self.f[k], 1.0)]
            if strict:
                m.row(size, hi=cap)
            else:
                over = m.var(BREAK, hi=total, integer=False)
                m.row([*size, (over, -1.0)], hi=cap)
            if not wishes:
                continue
            off = m.var(SPREAD, hi=total, integer=False)
            m.row([*size, (off, -1.0)], hi=high)
            m.row([*size, (off, 1.0)], lo=low)
            stayed = sum(1 for a in self.crowd if before(inst.previous.get(a.key)) == k)
            if stayed:
                gone = m.var(MOVE, hi=stayed, integer=False)
                m.row([(self.f[k], 1.0), (gone, 1.0)], lo=stayed)
        if not wishes:
            return
        for mi, ps in self.loose.items():
            theirs = [i for i, g in enumerate(self.groups)
                      if any(t.ministry == mi for t in inst.topics if t.number in g)]
            for k in tables:
                stayed = sum(1 for p in ps if before(inst.previous.get(p)) == k)
                if stayed:  # ministry people back at their table
                    kept = m.var(-MOVE, hi=stayed, integer=False)
                    m.row([(kept, 1.0), (self.u[mi, k], -1.0)], hi=0.0)
                near = m.var(-INTEREST, hi=len(ps), integer=False)  # where its proposals are
                m.row([(near, 1.0), (self.u[mi, k], -1.0)], hi=0.0)
                m.row([(near, 1.0)] + [(self.g[i, k], -float(len(ps))) for i in theirs],
                      hi=0.0)

    def read(self, values: np.ndarray) -> tuple[dict[int, int], dict[str, int], list[int]]:
        inst = self.inst
        tables = range(inst.count)
        at = {i: max(tables, key=lambda k: values[self.g[i, k]])  # used at once: no late binding
              for i in range(len(self.groups))}
        topics = {n: at[i] for i, g in enumerate(self.groups) for n in g}
        people = {p: at[i] for p, i in self.pinned.items()}
        for mi, ps in self.loose.items():
            left = [max(0, round(values[self.u[mi, k]])) for k in tables]
            queue = sorted(ps, key=lambda p: inst.previous.get(p) is None)
            for p in list(queue):  # back at the previous table where there is room
                was = inst.previous.get(p, 0) - 1
                if 0 <= was < inst.count and left[was] > 0:
                    people[p] = was
                    left[was] -= 1
                    queue.remove(p)
            for k in tables:
                while left[k] > 0 and queue:
                    people[queue.pop(0)] = k
                    left[k] -= 1
            for p in queue:
                people[p] = max(tables, key=lambda k: values[self.u[mi, k]])
        free = [max(0, round(values[self.f[k]])) for k in tables]
        free[-1] += len(self.crowd) - sum(free)
        return topics, people, free


def _seat_the_rest(inst: Instance, topics: dict[int, int], free: list[int],
                   crowd: list[Attendee], time_limit: float, wishes: bool) -> dict[str, int]:
    """The people no proposal needs, `free[k]` of them at table k: back at their previous
    table, near the areas their organisation works in, and observers spread (no table gets
    more than its share while another has room). Classes of alike people to tables: a
    transportation problem, whose relaxation is integral."""
    K = inst.count
    if not wishes or not crowd:
        seats = [k for k in range(K) for _ in range(max(0, free[k]))]
        return {a.key: seats[i] if i < len(seats) else i % K for i, a in enumerate(crowd)}
    area_of = {t.number: t.area for t in inst.topics}
    discussed = [{area_of[n] for n, k in topics.items() if k == table} for table in range(K)]
    classes: dict[tuple[bool, tuple[str, ...], int], list[str]] = defaultdict(list)
    for a in crowd:
        prev = inst.previous.get(a.key, 0)
        classes[(a.kind == OBSERVER, a.areas, prev if 1 <= prev <= K else 0)].append(a.key)
    keys = sorted(classes)
    watchers = [c for c, key in enumerate(keys) if key[0]]
    observers = sum(len(classes[keys[c]]) for c in watchers)
    limit = math.ceil(observers / K)
    while sum(min(f, limit) for f in free) < observers:
        limit += 1
    m = _Model()
    n = {}
    for c, key in enumerate(keys):
        for k in range(K):
            cost = (-MOVE if key[2] == k + 1 else 0.0) - (
                INTEREST if set(key[1]) & discussed[k] else 0.0)
            n[c, k] = m.var(cost, hi=len(classes[key]))
        m.row(((n[c, k], 1.0) for k in range(K)), len(classes[key]), len(classes[key]))
    for k in range(K):
        m.row(((n[c, k], 1.0) for c in range(len(keys))), free[k], free[k])
        if watchers:
            m.row(((n[c, k], 1.0) for c in watchers), hi=limit)
    _, values = m.solve(max(0.2, time_limit))
    if values is None:
        return _seat_the_rest(inst, topics, free, crowd, time_limit, wishes=False)
    out: dict[str, int] = {}
    for c, key in enumerate(keys):
        queue = list(classes[key])
        for k in range(K):
            for _ in range(round(values[n[c, k]])):
                if queue:
                    out[queue.pop(0)] = k
        for p in queue:
            out[p] = min(range(K), key=lambda k: sum(1 for v in out.values() if v == k))
    return out



# -- the greedy seating --------------------------------------------------------------------------


def greedy(inst: Instance) -> Assignment:
    """A fast seating: tied proposals first, each to the table that fits it best, then the
    ministries they need, then everyone else where their areas are discussed."""
    K, cap = inst.count, inst.max_size
    topic_of = {t.number: t for t in inst.topics}
    load = [0] * K
    area_at: list[Counter[str]] = [Counter() for _ in range(K)]
    watchers = [0] * K
    people: dict[str, int] = {}
    topics: dict[int, int] = {}
    pinned = pins(inst)

    def seat(key: str, k: int) -> None:
        people[key] = k
        load[k] += 1

    def prev(table: int | None) -> int | None:
        return table - 1 if table is not None and 1 <= table <= K else None

    ordered = sorted(groups(inst), key=lambda g: (-seats_needed(inst, g), g))
    for group in ordered:
        need = seats_needed(inst, group) - sum(
            1 for p, ns in pinned.items() if p in people and set(ns) & set(group))
        area = Counter(topic_of[n].area for n in group).most_common(1)[0][0]
        before = Counter(prev(inst.previous_topics.get(n)) for n in group).most_common(1)[0][0]
        fits = [k for k in range(K) if load[k] + need <= cap] or list(range(K))
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
            open_ = [k for k in range(K) if load[k] < cap] or list(range(K))
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
