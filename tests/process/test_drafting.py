"""At the small tables, through the core: editing a proposal (its form and one field in a line),
its versions, milestones, the table's notes, organisations that join, and who follows it.
Every refusal says why in the person's language and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.model import Proposal, Status
from bot.core.notice import Notice
from tests import cast
from tests.chat import (
    COORDINATOR,
    CSO,
    CSO_EN,
    FIN,
    JD,
    OBSERVER,
    OUTSIDER,
    Chat,
)
from tests.notice_kit import as_sent

NORA = cast.NORA.email  # Norsk Presseforbund, civil society on the roster
SOFIE = cast.SOFIE.email  # Klima- og miljødepartementet


@pytest.fixture
def chat() -> Chat:
    return Chat()


def proposal(chat: Chat, n: int = 1) -> Proposal:
    found = chat.bot.records.proposal(n)
    assert found is not None
    return found


def refused(chat: Chat, who: str, words: str, expect: str) -> str:
    before = chat.snapshot()
    reply = chat.say(who, words)
    assert not reply.ok, reply.text
    assert expect in reply.text, reply.text
    assert chat.snapshot() == before
    return reply.text


def notices_to(chat: Chat, who: str, prefix: str) -> list[Notice]:
    return [n for n in chat.bot.outbox.all()
            if n.key.startswith(prefix) and n.target.person == f"roster:{who}"]


def submit_edit(chat: Chat, who: str, form: dict[str, Any], **kw: Any) -> Any:
    return chat.bot.handle(chat.command(who, form_id="edit", form=form, **kw))


# --- edit and versions --------------------------------------------------------------------------

def test_one_field_in_a_line_is_a_new_version_told_to_those_who_follow(chat: Chat) -> None:
    ref = chat.propose(CSO)
    reply = chat.say(CSO, f"edit {ref} goal Alle møter er offentlige innen en uke")
    assert reply.ok, reply.text
    assert "P-1 er lagret som versjon 2." in reply.text
    assert "Mål: **Alle møter er offentlige innen en uke**" in reply.text
    reply = chat.say(JD, f"endre {ref} tittel Åpent og søkbart lobbyregister")
    assert reply.ok and "versjon 3" in reply.text
    assert "Tittel: Åpent **og søkbart** lobbyregister" in reply.text
    p = proposal(chat)
    assert (p.title, p.goal, p.version) == ("Åpent og søkbart lobbyregister",
                                            "Alle møter er offentlige innen en uke", 3)
    assert [(v.number, v.by_name) for v in p.versions] == [
        (1, "Anders Bakke"), (2, "Anders Bakke"), (3, "Ingrid Berg")]
    assert p.versions[1].title == "Åpent lobbyregister"  # each version keeps its own text

    # The ministry heard of version 2, the proposer of version 3, each with what changed;
    # nobody hears of their own save.
    (to_ingrid,) = notices_to(chat, JD, "version:P-1:")
    assert to_ingrid.key.startswith("version:P-1:v2:")
    assert "Ny versjon av P-1" in as_sent(chat.bot, to_ingrid).text
    assert "**Alle møter er offentlige innen en uke**" in as_sent(chat.bot, to_ingrid).text
    (to_anders,) = notices_to(chat, CSO, "version:P-1:")
    assert "Lagret av Ingrid Berg" in as_sent(chat.bot, to_anders).text
    assert "**og søkbart**" in as_sent(chat.bot, to_anders).text

    listing = chat.say(OBSERVER, f"versions {ref}").text
    assert "Versjon 1 – " in listing and "Anders Bakke: sendt inn" in listing
    assert "Ingrid Berg: endret tittel" in listing
    assert "Tittel: Åpent **og søkbart** lobbyregister" in listing
    card = chat.say(OBSERVER, f"status {ref}")
    assert "Versjon: 3" in card.text and "Mål: Alle møter er offentlige innen en uke" in card.text
    assert [a.words for a in card.actions] == ["versions P-1"]  # an observer may not edit
    assert [a.words for a in chat.say(JD, f"status {ref}").actions] == ["edit P-1",
                                                                         "versions P-1"]


def test_the_form_is_filled_in_and_a_stale_save_keeps_the_text(chat: Chat) -> None:
    ref = chat.propose(CSO)
    opened = chat.say(CSO, f"edit {ref}")
    assert opened.ok and opened.form is not None
    form = opened.form
    assert [f.id for f in form.fields] == ["title", "problem", "description", "goal", "results"]
    assert form.fields[0].initial == "Åpent lobbyregister"
    assert form.hidden == {"proposal": "P-1", "base": "1"}
    assert form.words == "edit P-1"

    # The coordinator saves version 2 while the proposer still has the form open.
    assert chat.say(COORDINATOR, f"edit {ref} problem Ingen vet hvem som møter hvem").ok
    mine = {**form.hidden, "title": "Åpent lobbyregister", "goal": "Innsyn i alle møter",
            "problem": "Det er vanskelig å se hvem som møter statsråder",
            "description": "Publiser alle møter i et åpent register", "results": ""}
    before = chat.snapshot()
    stale = submit_edit(chat, CSO, mine)
    assert not stale.ok and not stale.errors
    assert chat.snapshot() == before
    assert "Ikke lagret: P-1 er endret i mellomtiden" in stale.text
    assert "Kari Nordmann lagret versjon 2" in stale.text
    assert "Problemet: Ingen vet hvem som møter hvem" in stale.text  # the newer text
    assert stale.form is not None and stale.form.hidden["base"] == "2"
    kept = {f.id: f.initial for f in stale.form.fields}
    assert kept["goal"] == "Innsyn i alle møter"  # their own text, kept for them
    assert kept["problem"] == "Det er vanskelig å se hvem som møter statsråder"

    # Sent again from the form it got back: saved as version 3.
    again = submit_edit(chat, CSO, {**stale.form.hidden, **kept})
    assert again.ok, again.text
    assert proposal(chat).version == 3 and proposal(chat).goal == "Innsyn i alle møter"
    # The same form sent once more is stale again: nothing is overwritten unseen.
    assert not submit_edit(chat, CSO, {**stale.form.hidden, **kept, "goal": "x"}).ok


def test_a_form_without_changes_or_with_a_problem_saves_nothing(chat: Chat) -> None:
    ref = chat.propose(CSO)
    form = chat.say(CSO, f"edit {ref}").form
    assert form is not None
    same = {**form.hidden, **{f.id: f.initial for f in form.fields}}
    assert "Ingenting er endret; P-1 er fortsatt versjon 1." in submit_edit(chat, CSO, same).text
    before = chat.snapshot()
    bad = submit_edit(chat, CSO, {**same, "title": "", "results": "x" * 3001})
    assert not bad.ok and set(bad.errors) == {"title", "results"}
    assert bad.form is not None and bad.form.fields[4].initial == "x" * 3001
    assert chat.snapshot() == before


@pytest.mark.parametrize(("who", "words", "expect"), [
    (CSO_EN, "edit P-1 title Mine now", "Only the proposer (Anders Bakke), Justis- og "
                                        "beredskapsdepartementet and the coordinator"),
    (FIN, "edit P-1 title Finans", "Bare forslagsstilleren (Anders Bakke)"),
    (OBSERVER, "edit P-1 title Observert", "Som observatør kan du ikke bruke «edit»"),
    (CSO, "edit P-1 colour blue", "«colour» er ikke et felt som kan endres"),
    (CSO, "edit P-1 problem", "Fyll ut Problemet."),
    (CSO, "edit P-1 title " + "x" * 151, "for lang (151 tegn); høyst 150"),
    (CSO, "edit P-9 title X", "Det finnes ikke noe forslag P-9"),
    (CSO, "edit", "«edit» trenger et forslagsnummer"),
])
def test_edits_refused_say_why(chat: Chat, who: str, words: str, expect: str) -> None:
    chat.propose(CSO)
    refused(chat, who, words, expect)


def test_a_decided_proposal_keeps_its_text_but_an_included_one_its_milestones(
        chat: Chat) -> None:
    chat.propose(CSO)
    chat.propose(CSO)
    for words in ("outcome P-1 agreed", "report P-1 agreed Enige", "decide P-1 include"):
        assert chat.say(COORDINATOR, words).ok
    assert chat.say(COORDINATOR, "decide P-2 exclude Utenfor planens tema").ok
    refused(chat, CSO, "edit P-1 title Ny", "P-1 er avgjort (tatt med i planen), så teksten "
                                           "kan ikke endres lenger")
    refused(chat, CSO, "edit P-1", "kan ikke endres lenger")
    assert chat.say(JD, "milestone P-1 add 2027-01-01 2027-06-30 Pilot").ok
    # A milestone added to a commitment of the plan gets its ministry's reminders.
    reminders = {n.key for n in chat.bot.outbox.all() if n.key.startswith("plan:P-1:")}
    assert f"plan:P-1:milestone_lead:1:2027-06-30:86400:roster:{JD}" in reminders
    assert chat.say(JD, "milestone P-1 done 1 Pilot i to departementer").ok
    refused(chat, JD, "milestone P-2 add 2027-01-01 2027-06-30 Pilot",
            "P-2 har status «ikke tatt med»")
    refused(chat, CSO, "edit P-2 title Ny", "P-2 er avgjort (ikke tatt med)")


# --- milestones ---------------------------------------------------------------------------------

def test_milestones_are_numbered_by_date_and_done_by_the_ministry(chat: Chat) -> None:
    ref = chat.propose(CSO)
    assert chat.say(CSO, f"milestone {ref} add 2027-09-01 2027-12-31 Alle departementer").ok
    reply = chat.say(CSO, f"milepæl {ref} add 2027-01-01 2027-06-30 Pilot i to departementer")
    assert "Milepæl 1 er lagt til i P-1." in reply.text
    assert "1. 1. januar – 30. juni 2027: Pilot i to departementer" in reply.text
    assert "2. 1. september – 31. desember 2027: Alle departementer" in reply.text
    refused(chat, CSO, f"milestone {ref} done 1", "bare de og koordinatoren")
    done = chat.say(JD, f"milestone {ref} done 1 Piloten kom i gang i mars")
    assert "Milepæl 1 i P-1 er ført som ferdig." in done.text
    assert "(ferdig 26. november) – Piloten kom i gang i mars" in done.text
    refused(chat, JD, f"milestone {ref} done 1", "ble ført som ferdig")
    refused(chat, CSO, f"milestone {ref} remove 1", "en ferdig milepæl blir stående")
    removed = chat.say(CSO, f"milestone {ref} remove 2")
    assert "Milepæl 2 («Alle departementer») er fjernet fra P-1" in removed.text
    p = proposal(chat)
    assert [(m.start.isoformat() if m.start else None, m.end.isoformat(), m.text)
            for m in p.milestones] == [("2027-01-01", "2027-06-30", "Pilot i to departementer")]
    assert p.milestones[0].done is not None and p.milestones[0].done.by_name == "Ingrid Berg"
    assert [h.action for h in p.history[-4:]] == [
        "milestone_added", "milestone_added", "milestone_done", "milestone_removed"]
    assert p.version == 1  # milestones are no new version of the text


@pytest.mark.parametrize(("words", "expect"), [
    ("milestone P-1 add 2027-06-30 2027-01-01 Baklengs", "slutter før den starter"),
    ("milestone P-1 add snart Pilot", "må skrives ÅÅÅÅ-MM-DD tekst"),
    ("milestone P-1 add 2027-02-30 Pilot", "må skrives ÅÅÅÅ-MM-DD tekst"),
    ("milestone P-1 add", "Slik brukes det: milestone P-N add"),
    ("milestone P-1 remove 1", "P-1 har ingen milepæler ennå"),
    ("milestone P-1 flytt 1", "«flytt» er ikke et gyldig valg"),
    ("milestone P-1 add 2027-01-01 " + "x" * 501, "høyst 500 tegn"),
])
def test_bad_milestones_are_refused(chat: Chat, words: str, expect: str) -> None:
    chat.propose(CSO)
    refused(chat, CSO, words, expect)


def test_milestone_numbers_must_exist_and_only_editors_change_them(chat: Chat) -> None:
    ref = chat.propose(CSO)
    assert chat.say(CSO, f"milestone {ref} add 2027-01-01 Pilot").ok
    refused(chat, CSO, f"milestone {ref} remove 3", "de har nummer 1 til 1")
    refused(chat, CSO_EN, f"milestone {ref} add 2027-01-01 Mine", "Only the proposer")
    refused(chat, FIN, f"milestone {ref} done 1", "Justis- og beredskapsdepartementet sitt "
                                                  "ansvar")


# --- notes --------------------------------------------------------------------------------------

def test_anyone_seated_at_the_table_may_note_and_others_may_not(chat: Chat) -> None:
    chat.propose(CSO)
    chat.propose(CSO_EN, "Åpne budsjetter | Budsjettene er lukket | Publiser dem | "
                         "transparency | apne-data | fin")
    refused(chat, NORA, "note P-1 Før bordene", "Bare de som sitter ved bordet til P-1")
    assert chat.say(COORDINATOR, "tables assign").ok
    plan = chat.bot.records.setting("table_plan")
    tables = {n: next(t for t in plan["tables"] if n in t["proposals"]) for n in (1, 2)}
    editors = {f"roster:{who}" for who in (CSO, JD, COORDINATOR, cast.PER.email)}
    seated = next(k for k in tables[1]["people"] if k not in editors)
    elsewhere = next(k for k in tables[2]["people"]
                     if k not in editors and k not in tables[1]["people"]
                     and k != f"roster:{CSO_EN}" and k != f"roster:{FIN}")
    seated_email, elsewhere_email = seated.split(":", 1)[1], elsewhere.split(":", 1)[1]

    reply = chat.say(seated_email, "notat P-1 Bordet vil ha med kommunene også")
    assert reply.ok, reply.text
    assert chat.say(CSO, "note P-1 Forslagsstilleren tar det med").ok
    refused(chat, elsewhere_email, "note P-1 Fra et annet bord", "Bare de som sitter")
    refused(chat, seated_email, "note P-1", "«note» trenger en tekst til slutt")
    refused(chat, seated_email, "note P-1 " + "x" * 3001, "høyst 3000 tegn")
    p = proposal(chat)
    assert [n.text for n in p.notes] == ["Bordet vil ha med kommunene også",
                                         "Forslagsstilleren tar det med"]
    assert p.notes[1].by_name == "Anders Bakke"
    assert "Notater fra bordet:" in chat.say(OBSERVER, "status P-1").text


# --- join and follow ----------------------------------------------------------------------------

def test_an_organisation_joins_and_hears_of_later_versions(chat: Chat) -> None:
    ref = chat.propose(CSO)
    reply = chat.say(CSO_EN, f"join {ref}")
    assert reply.ok, reply.text
    assert "Publish What You Pay Norge has joined P-1" in reply.text
    assert chat.say(SOFIE, f"bli med {ref}").ok  # another ministry stands behind it too
    p = proposal(chat)
    assert [a.name for a in p.actors] == ["Publish What You Pay Norge",
                                          "Klima- og miljødepartementet"]
    card = chat.say(OBSERVER, f"status {ref}").text
    assert "Andre aktører: Publish What You Pay Norge, Klima- og miljødepartementet" in card
    assert chat.say(CSO, f"edit {ref} results Alle møter ligger ute").ok
    (told,) = notices_to(chat, CSO_EN, "version:P-1:v2")
    assert as_sent(chat.bot, told).language == "en"
    assert "New version of P-1" in as_sent(chat.bot, told).text
    assert notices_to(chat, SOFIE, "version:P-1:v2")

    refused(chat, CSO_EN, f"join {ref}", "Publish What You Pay Norge has already joined P-1")
    refused(chat, CSO, f"join {ref}", "står allerede bak P-1 som forslagsstiller")
    refused(chat, JD, f"join {ref}", "er allerede ansvarlig departement for P-1")
    refused(chat, OBSERVER, f"join {ref}", "Som observatør kan du ikke bruke «join»")
    refused(chat, COORDINATOR, f"join {ref}", "Som koordinator kan du ikke bruke «join»")
    refused(chat, NORA, f"join {ref} Eget navn", "du trenger ikke oppgi organisasjon")


def test_someone_off_the_roster_names_the_organisation_that_joins(chat: Chat) -> None:
    ref = chat.propose(CSO)
    refused(chat, OUTSIDER, f"join {ref}", "join P-1 ORGANISASJON")
    assert chat.say(OUTSIDER, f"join {ref} Miljøagentene").ok
    assert proposal(chat).actors[0].name == "Miljøagentene"
    assert proposal(chat).actors[0].org_key is None


def test_follow_and_unfollow(chat: Chat) -> None:
    ref = chat.propose(CSO)
    assert "Du følger nå P-1" in chat.say(OBSERVER, f"følg {ref}").text
    assert "Du følger allerede P-1" in chat.say(OBSERVER, f"follow {ref}").text
    assert "Du følger allerede P-1" in chat.say(CSO, f"follow {ref}").text  # proposer: unasked
    assert "Du følger ikke lenger P-1" in chat.say(CSO, f"unfollow {ref}").text
    assert chat.say(JD, f"edit {ref} goal Innsyn").ok
    assert notices_to(chat, OBSERVER, "version:P-1:v2")
    assert not notices_to(chat, CSO, "version:P-1:v2")  # the proposer said unfollow
    assert "Du følger ikke lenger P-1" in chat.say(OBSERVER, f"slutt å følge {ref}").text
    assert "Du følger ikke P-1" in chat.say(OBSERVER, f"unfollow {ref}").text
    assert chat.say(CSO, f"follow {ref}").ok  # and back again
    assert chat.say(NORA, f"follow {ref}").ok
    for words in ("outcome P-1 agreed", "report P-1 agreed Enige", "decide P-1 include"):
        assert chat.say(COORDINATOR, words).ok
    assert notices_to(chat, CSO, "decision:P-1")
    (told,) = notices_to(chat, NORA, "decision:P-1")
    assert as_sent(chat.bot, told).title == "Beslutning om P-1: tatt med i planen"
    assert not notices_to(chat, OBSERVER, "decision:P-1")
    assert proposal(chat).status is Status.INCLUDED


def test_followers_hear_when_a_proposal_is_withdrawn(chat: Chat) -> None:
    ref = chat.propose(CSO)
    assert chat.say(OBSERVER, f"follow {ref}").ok
    assert chat.say(CSO, f"withdraw {ref}").ok
    (told,) = notices_to(chat, OBSERVER, "withdrawn:P-1")
    assert "P-1 Åpent lobbyregister er trukket" in as_sent(chat.bot, told).text
    assert notices_to(chat, JD, "withdrawn:P-1")


# --- the stored shape ---------------------------------------------------------------------------

def test_a_proposal_stored_before_versions_loads_with_its_text_as_version_one(
        chat: Chat) -> None:
    chat.propose(CSO)
    doc = chat.store.get("proposals", "1")
    assert doc is not None
    for key in ("goal", "results", "actors", "followers", "unfollowed", "notes", "versions"):
        doc.pop(key)
    doc["milestones"] = [{"due": "2027-03-01", "text": "Pilot"}]
    chat.store.put("proposals", "1", doc)
    p = proposal(chat)
    assert p.version == 1 and p.versions[0].title == "Åpent lobbyregister"
    assert p.versions[0].by == f"roster:{CSO}"
    assert (p.milestones[0].start, p.milestones[0].end.isoformat()) == (None, "2027-03-01")
    assert chat.say(CSO, "edit P-1 goal Innsyn").ok
    assert proposal(chat).version == 2
