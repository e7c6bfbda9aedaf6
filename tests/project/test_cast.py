"""The cast of the tests is the shipped seminar's roster: each named person as
`data/seminar.toml` has them (name, organisation, e-mail, language), each organisation by its
name there, and nobody on no roster found on it."""

from __future__ import annotations

from bot.core.seminar import load_seminar
from tests import cast


def test_the_casts_people_are_the_shipped_roster_as_written() -> None:
    shipped = {p.email: p for p in load_seminar(cast.SHIPPED_SEMINAR).people}
    for person in cast.ROSTER:
        listed = shipped[person.email]
        assert (listed.name, listed.org, listed.language or "") == (
            person.name, person.org, person.language), person.name
    assert [p.email for p in cast.OUTSIDERS if p.email in shipped] == []


def test_the_casts_organisations_are_named_as_shipped() -> None:
    shipped = {o.key: (o.name, o.kind) for o in
               load_seminar(cast.SHIPPED_SEMINAR).organizations}
    named = {key: (name, kind) for key, name, kind in cast.ORGANIZATIONS if key in shipped}
    assert named == {key: shipped[key] for key in named}
    assert {p.org for p in cast.ROSTER} <= set(named)


def test_each_person_has_ids_of_their_own() -> None:
    for field in ("email", "slack_id", "teams_id"):
        values = [getattr(p, field) for p in cast.EVERYONE]
        assert len(values) == len(set(values)), field
