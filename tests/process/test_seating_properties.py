"""Property tests of the table planner on generated small seminars, against brute force: when
some seating keeps every hard rule the planner's does too; when none does, each impasse it
names is real (its proposals cannot be seated even on their own)."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from bot.process import seating
from bot.process.seating import Attendee, Instance, Topic

MINISTRIES = ("m1", "m2", "m3")
ORGS = (*MINISTRIES, "ngo", "obs")

# Small instances solve in milliseconds; the limit is generous so a loaded machine never
# turns a solvable instance into a fallback that the properties would misread as a failure.
SOLVER_LIMIT = 20.0


def feasible(inst: Instance) -> bool:
    """Try every way to seat the people; proposals then go to their proposer's table."""
    inst = seating.normalise(inst)
    keys = [a.key for a in inst.attendees]
    members = {m: inst.members(m) for m in {t.ministry for t in inst.topics}}
    for seats in product(range(inst.count), repeat=len(keys)):
        at = dict(zip(keys, seats, strict=True))
        if any(seats.count(k) > inst.max_size for k in range(inst.count)):
            continue
        if all(any(at[m] == at[t.proposer] for m in members[t.ministry]) for t in inst.topics):
            return True
    return False


@st.composite
def mixed(draw: st.DrawFn) -> Instance:
    """Any small seminar: people of any organisation, proposals to any ministry."""
    n = draw(st.integers(1, 6))
    people = []
    for i in range(n):
        org = draw(st.sampled_from(ORGS))
        kind = "ministry" if org in MINISTRIES else ("observer" if org == "obs" else
                                                     "civil_society")
        areas = draw(st.lists(st.sampled_from(("a", "b")), max_size=2, unique=True))
        people.append(Attendee(f"p{i}", org, kind, tuple(areas)))
    proposers = [a.key for a in people if a.kind != "observer"] or [people[0].key]
    present = sorted({a.org for a in people if a.org in MINISTRIES})
    # Mostly ministries that take part and room for everyone, so the harder impasses
    # (tied proposals, too few ministry people, too few tables) come up too.
    choices = present if present and draw(st.integers(0, 5)) else list(MINISTRIES)
    topics = tuple(
        Topic(j + 1, draw(st.sampled_from(("a", "b"))), draw(st.sampled_from(proposers)),
              draw(st.sampled_from(choices)))
        for j in range(draw(st.integers(0, 4))))
    count = draw(st.integers(1, 3))
    low = -(-n // count) if draw(st.integers(0, 4)) else 1
    return Instance(topics, tuple(people), count, draw(st.integers(min(low, 4), 4)))


@st.composite
def stretched(draw: st.DrawFn) -> Instance:
    """A ministry of one to two people with proposals from several proposers, at small
    tables: often too few ministry people for the tables its proposals need."""
    members = draw(st.integers(1, 2))
    proposers = draw(st.integers(members + 1, 3))
    people = [Attendee(f"m{j}", "m1", "ministry") for j in range(members)]
    people += [Attendee(f"c{j}", "ngo", areas=("a",)) for j in range(proposers)]
    if draw(st.booleans()):
        people.append(Attendee("o", "obs", "observer"))
    topics = tuple(Topic(j + 1, draw(st.sampled_from(("a", "b"))), f"c{j}", "m1")
                   for j in range(proposers))
    count = draw(st.integers(2, 3))
    return Instance(topics, tuple(people), count, draw(st.integers(2, 3)))


@st.composite
def packed(draw: st.DrawFn) -> Instance:
    """Proposals to ministries of one person each, each ministry with its own table's worth
    of people: often more tables needed than there are."""
    groups = draw(st.integers(2, 3))
    people = [Attendee(f"m{j}", MINISTRIES[j], "ministry") for j in range(groups)]
    people += [Attendee(f"c{j}", "ngo") for j in range(groups)]
    if draw(st.booleans()):
        people.append(Attendee("o", "obs", "observer"))
    topics = tuple(Topic(j + 1, "a", f"c{j}", MINISTRIES[j]) for j in range(groups))
    count = draw(st.integers(1, groups))
    return Instance(topics, tuple(people), count, draw(st.integers(2, 4)))


def seminars() -> st.SearchStrategy[Instance]:
    return st.one_of(mixed(), stretched(), packed())


def needed(inst: Instance, numbers: tuple[int, ...]) -> Instance:
    """Only the proposals `numbers`, their proposers and the people of their ministries."""
    alone = seating.normalise(inst.only(numbers))
    keep = {t.proposer for t in alone.topics} | {
        p for t in alone.topics for p in alone.members(t.ministry)}
    return replace(alone, attendees=tuple(a for a in alone.attendees if a.key in keep))


def seated_once(inst: Instance, result: seating.Seating) -> None:
    numbers = [n for t in result.tables for n in t.proposals]
    people = [p for t in result.tables for p in t.people]
    assert sorted(numbers) == sorted(t.number for t in inst.topics)
    assert sorted(people) == sorted(a.key for a in seating.normalise(inst).attendees)
    assert len(result.tables) == inst.count


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seminars())
def test_plan_keeps_every_hard_rule_whenever_that_is_possible(inst: Instance) -> None:
    result = seating.seat(inst, time_limit=SOLVER_LIMIT)
    seated_once(inst, result)
    if feasible(inst):
        assert result.breaches == ()
        assert result.impasses == ()
    else:
        assert result.breaches, "no seating keeps every rule, so this one must break one"
        assert result.impasses, "an impossible plan must say why"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seminars())
def test_every_impasse_named_is_real(inst: Instance) -> None:
    result = seating.seat(inst, time_limit=SOLVER_LIMIT)
    for impasse in result.impasses:
        if impasse.rule == "too_many_people":
            people = len(seating.normalise(inst).attendees)
            assert people > inst.count * inst.max_size
            assert impasse.need == people
            continue
        assert impasse.proposals
        assert not feasible(inst.only(impasse.proposals)), impasse
        if impasse.rule == "no_ministry_person":
            assert all(not inst.members(m) for m in impasse.ministries)
        core = needed(inst, impasse.proposals)
        people = len(core.attendees)
        if impasse.rule == "stretched":  # more of the named ministries' people would do
            extra = tuple(Attendee(f"{m}+{j}", m, "ministry") for m in impasse.ministries
                          for j in range(len(impasse.proposals)))
            more = (*core.attendees, *extra)
            assert feasible(replace(core, attendees=more, max_size=len(more)))
            assert "representative" in impasse.fixes
        if impasse.rule == "packing":  # a table for each proposal would do
            assert feasible(replace(core, count=len(impasse.proposals), max_size=people))
            assert "tables" in impasse.fixes
        absent = {t.ministry for t in inst.topics
                  if t.number in impasse.proposals and not inst.members(t.ministry)}
        if absent:  # a ministry with nobody: that impasse is named too, and no size fixes it
            named = {m for c in result.impasses if c.rule == "no_ministry_person"
                     for m in c.ministries}
            assert absent <= named
        elif impasse.rule == "crowded":  # tables as large as `need` would do
            assert feasible(replace(core, max_size=impasse.need,
                                    count=1 + -(-(people - impasse.need) // impasse.need)))
        for link in impasse.links:
            tied = [t for t in inst.topics if t.number in link.proposals]
            if link.why == "proposer":
                assert all(t.proposer == link.person for t in tied)
            else:
                assert inst.members(link.ministry) == [link.person]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seminars())
def test_greedy_seats_everyone_once(inst: Instance) -> None:
    seated_once(inst, seating.seat_greedy(inst))


def test_a_sole_minister_needed_at_two_tables_is_named() -> None:
    people = (Attendee("a", "ngo"), Attendee("b", "ngo"), Attendee("z", "m1", "ministry"))
    topics = (Topic(1, "a", "a", "m1"), Topic(2, "b", "b", "m1"))
    result = seating.seat(Instance(topics, people, 2, 2))
    (impasse,) = result.impasses
    assert impasse.rule == "crowded"
    assert impasse.proposals == (1, 2)
    assert impasse.need == 3
    assert any(lk.person == "z" and lk.why == "sole_member" for lk in impasse.links)
    assert "representative" in impasse.fixes and "max_size" in impasse.fixes


def test_a_late_proposal_moves_few_people() -> None:
    crowd = [Attendee(f"n{i}", "ngo", areas=("a",) if i % 2 else ("b",)) for i in range(10)]
    people = (*crowd, Attendee("m", "m1", "ministry"), Attendee("q", "m2", "ministry"))
    topics = (Topic(1, "a", "n1", "m1"), Topic(2, "b", "n2", "m2"))
    first = seating.seat(Instance(topics, people, 3, 5))
    assert first.breaches == ()
    previous = {p: t.number for t in first.tables for p in t.people}
    before = {n: t.number for t in first.tables for n in t.proposals}
    late = (*topics, Topic(3, "a", "n3", "m1"))
    again = seating.seat(Instance(late, people, 3, 5, previous, before))
    assert again.breaches == ()
    assert len(again.moved) <= 2
    assert {n: t.number for t in again.tables for n in t.proposals if n != 3} == before


def test_a_ministry_with_too_few_people_for_its_tables_is_named() -> None:
    people = (Attendee("a", "ngo"), Attendee("b", "ngo"), Attendee("c", "ngo"),
              Attendee("x", "m1", "ministry"), Attendee("y", "m1", "ministry"))
    topics = tuple(Topic(n, "a", who, "m1") for n, who in ((1, "a"), (2, "b"), (3, "c")))
    inst = Instance(topics, people, 3, 2)
    assert not feasible(inst)
    result = seating.seat(inst)
    (impasse,) = result.impasses
    assert impasse.rule == "stretched"
    assert impasse.ministries == ("m1",)
    assert not feasible(inst.only(impasse.proposals))
    assert "representative" in impasse.fixes and "second_round" in impasse.fixes
    assert len(result.breaches) >= 1


def test_too_few_tables_for_tied_proposals_is_named() -> None:
    people = (Attendee("a", "ngo"), Attendee("b", "ngo"), Attendee("c", "ngo"),
              Attendee("x", "m1", "ministry"), Attendee("y", "m2", "ministry"),
              Attendee("z", "m3", "ministry"))
    topics = (Topic(1, "a", "a", "m1"), Topic(2, "a", "b", "m2"), Topic(3, "b", "c", "m3"))
    inst = Instance(topics, people, 2, 3)
    assert not feasible(inst)
    (impasse,) = seating.seat(inst).impasses
    assert impasse.rule == "packing"
    assert impasse.proposals == (1, 2, 3)
    assert "tables" in impasse.fixes


def named(rule: str) -> Instance:
    """A generated seminar whose plan names an impasse of `rule`: the generators reach it."""
    return find(seminars(), lambda inst: any(c.rule == rule for c in seating.seat(
        inst, time_limit=SOLVER_LIMIT).impasses),
        settings=settings(max_examples=300, deadline=None, database=None))


def test_the_generators_make_every_kind_of_impasse() -> None:
    for rule in ("no_ministry_person", "too_many_people", "crowded", "stretched", "packing"):
        inst = named(rule)
        assert not feasible(inst), rule


def test_observers_are_spread_across_tables() -> None:
    people = [Attendee(f"n{i}", "ngo", areas=("a",)) for i in range(16)]
    people += [Attendee(f"o{i}", "obs", "observer") for i in range(8)]
    people += [Attendee("x", "m1", "ministry"), Attendee("y", "m2", "ministry")]
    topics = (Topic(1, "a", "n0", "m1"), Topic(2, "b", "n1", "m2"), Topic(3, "a", "n2", "m1"))
    result = seating.seat(Instance(topics, tuple(people), 4, 8))
    assert result.breaches == ()
    watchers = [sum(1 for p in t.people if p.startswith("o")) for t in result.tables]
    assert watchers == [2, 2, 2, 2]
