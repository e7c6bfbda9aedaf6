"""Every word of the grammar, for every role, through the core: what each person reads, and
that every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.model import Status
from tests.chat import (
    COORDINATOR,
    COORDINATOR_2,
    CSO,
    CSO_EN,
    FIN,
    JD,
    LINE,
    OBSERVER,
    OUTSIDER,
    Chat,
)
from tests.notice_kit import as_sent


@pytest.fixture
def chat() -> Chat:
    return Chat()


def status_of(chat: Chat, ref: str) -> Status:
    proposal = chat.bot.records.proposal(int(ref.split("-")[1]))
    assert proposal is not None
    return proposal.status


def refused(chat: Chat, who: str, words: str, expect: str) -> str:
    """Send a line that must be refused: one sentence containing `expect`, nothing changed."""
    before = chat.snapshot()
    reply = chat.say(who, words)
    assert not reply.ok, reply.text
    assert expect in reply.text, reply.text
    assert "Traceback" not in reply.text
    assert chat.snapshot() == before
    return reply.text


# --- help -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "present", "absent"), [
    (COORDINATOR, ["decide P-N", "tables assign", "channel here", "propose"], []),
    (JD, ["report P-N", "meet P-N", "outcome P-N", "propose"], ["decide P-N", "tables assign"]),
    (CSO, ["propose", "status", "withdraw P-N"], ["decide P-N", "report P-N", "meet P-N"]),
    (OBSERVER, ["status", "agenda", "tables", "meetings"], ["propose", "withdraw", "decide"]),
])
def test_help_lists_what_each_role_may_use(chat: Chat, who: str, present: list[str],
                                           absent: list[str]) -> None:
    reply = chat.say(who, "help")
    assert reply.ok
    for word in present:
        assert word in reply.text
    for word in absent:
        assert word not in reply.text


def test_help_in_each_language(chat: Chat) -> None:
    assert "Hva du kan gjøre" in chat.say(CSO, "help").text
    assert "What you can do" in chat.say(CSO_EN, "help").text
    assert "What you can do" in chat.say(CSO, "hjelp", locale="en-GB").text


def test_help_in_nynorsk_from_the_locale_or_the_choice(chat: Chat) -> None:
    assert "Kva du kan gjere" in chat.say(CSO, "help", locale="nn-NO").text
    assert "Hva du kan gjøre" in chat.say(JD, "hjelp").text
    assert chat.say(JD, "språk nynorsk").ok
    assert "Kva du kan gjere" in chat.say(JD, "help", locale="nb-NO").text  # chosen wins
    assert "language nb|nn|en" in chat.say(OBSERVER, "help").text  # every role may choose


def test_language_refuses_what_is_not_a_language_and_changes_nothing(chat: Chat) -> None:
    refused(chat, CSO, "language tysk", "«tysk» er ikke et språk")
    refused(chat, CSO_EN, "language nb en", "Usage: language nb|nn|en")


# --- propose ----------------------------------------------------------------------------------

def test_propose_alone_asks_for_the_form_with_the_contract_ids(chat: Chat) -> None:
    reply = chat.say(CSO, "propose")
    assert reply.form is not None
    ids = [f.id for f in reply.form.fields]
    assert ids == ["title", "problem", "description", "goal", "results", "values", "area",
                   "ministry", "milestones"]
    assert chat.snapshot()["proposals"] == []


def test_form_for_someone_off_the_roster_asks_their_organisation(chat: Chat) -> None:
    reply = chat.say(OUTSIDER, "propose Bedre innsyn")
    assert reply.form is not None
    assert reply.form.fields[-1].id == "organization"
    assert reply.form.fields[0].initial == "Bedre innsyn"


def test_one_line_proposal_is_numbered_and_tells_ministry_and_coordinator(chat: Chat) -> None:
    reply = chat.say(CSO, f"propose {LINE}")
    assert reply.ok
    assert "P-1" in reply.text
    assert "Justis- og beredskapsdepartementet" in reply.text
    second = chat.propose(CSO_EN)
    assert second == "P-2"
    # in a digest each (the shipped seminar file gathers new proposals for ten minutes)
    told = {n.target.person for n in chat.bot.outbox.all() if n.key.startswith(
        "digest:P-1:") and n.say is not None and n.say.values["proposals"][0] == 1}
    assert told == {"roster:kari.nordmann@example.org", "roster:per.hansen@example.org",
                    "roster:ingrid.berg@example.org"}
    card = chat.say(JD, "status P-1").text
    assert "Transparency International Norge" in card
    assert "åpenhet, ansvarlighet" in card


def test_nynorsk_value_names_are_understood(chat: Chat) -> None:
    reply = chat.say(CSO, "propose T | P | D | openheit, deltaking, ansvarlegheit | innsyn | fin")
    assert reply.ok, reply.text
    proposal = chat.bot.records.proposal(1)
    assert proposal is not None
    assert proposal.values == ("transparency", "participation", "accountability")


def test_norwegian_value_names_and_area_names_are_understood(chat: Chat) -> None:
    reply = chat.say(CSO, "propose T | P | D | åpenhet, deltakelse | Innsyn og åpenhet i "
                          "forvaltningen | Finansdepartementet")
    assert reply.ok, reply.text
    proposal = chat.bot.records.proposal(1)
    assert proposal is not None
    assert proposal.values == ("transparency", "participation")
    assert (proposal.area, proposal.ministry) == ("innsyn", "fin")


def test_outsider_names_organisation_once(chat: Chat) -> None:
    chat.say(OUTSIDER, f"propose {LINE} | Miljøagentene")
    chat.say(OUTSIDER, f"propose {LINE}")
    first, second = chat.bot.records.proposals()
    assert first.organization == second.organization == "Miljøagentene"


def test_outsider_without_organisation_proposes_in_own_name(chat: Chat) -> None:
    chat.say(OUTSIDER, f"propose {LINE}")
    assert chat.bot.records.proposals()[0].organization == OUTSIDER


@pytest.mark.parametrize(("line", "expect"), [
    ("T | P | D | transparency | innsyn", "6 eller 7 deler"),
    (" | P | D | transparency | innsyn | jd", "Fyll ut Tittel"),
    ("T | P | D |  | innsyn | jd", "minst én OGP-verdi"),
    ("T | P | D | openness-ish | innsyn | jd", "ikke en OGP-verdi"),
    ("T | P | D | transparency | helse | jd", "ikke et hovedområde"),
    ("T | P | D | transparency | innsyn | ks", "ikke et departement"),
    ("T | P | D | transparency | innsyn | jd | Egen organisasjon", "deltakerlisten"),
    ("T" * 151 + " | P | D | transparency | innsyn | jd", "for lang"),
])
def test_bad_one_line_proposals_are_refused(chat: Chat, line: str, expect: str) -> None:
    refused(chat, CSO, f"propose {line}", expect)


def test_refused_form_names_each_field_and_keeps_what_was_typed(chat: Chat) -> None:
    before = chat.snapshot()
    reply = chat.submit(OUTSIDER, {"title": "Mitt forslag", "problem": "", "values": [],
                                   "area": "nowhere", "ministry": "jd",
                                   "milestones": "neste år: ferdig"})
    assert not reply.ok
    assert set(reply.errors) == {"problem", "description", "values", "area", "milestones"}
    assert reply.form is not None
    assert reply.form.fields[0].initial == "Mitt forslag"
    assert chat.snapshot() == before


def test_form_with_milestones_is_accepted(chat: Chat) -> None:
    reply = chat.submit(OUTSIDER, {
        "title": "Åpne budsjetter", "problem": "P", "description": "D",
        "values": ["transparency"], "area": "apne-data", "ministry": "fin",
        "milestones": "2027-03-01 Pilot\n2027-09-01 Alle kommuner", "organization": "Budsjett-NGO"})
    assert reply.ok, reply.text
    card = chat.say(OUTSIDER, "status P-1").text
    assert "1. 1. mars 2027: Pilot" in card and "Budsjett-NGO" in card


def test_observer_may_not_propose(chat: Chat) -> None:
    refused(chat, OBSERVER, f"propose {LINE}", "observatør")
    before = chat.snapshot()
    reply = chat.submit(OBSERVER, {"title": "x"})
    assert not reply.ok and chat.snapshot() == before


# --- status -----------------------------------------------------------------------------------

def test_status_own_number_and_words(chat: Chat) -> None:
    assert "ingen forslag" in chat.say(CSO, "status").text
    chat.propose(CSO)
    chat.propose(CSO_EN, "Open contracts | Problem | Desc | participation | apne-data | fin")
    own = chat.say(CSO, "status").text
    assert "P-1" in own and "P-2" not in own
    assert "P-2" in chat.say(FIN, "status").text and "P-1" not in chat.say(FIN, "status").text
    assert "P-1" in chat.say(COORDINATOR, "status").text and "P-2" in chat.say(
        COORDINATOR, "status").text
    assert chat.say(OBSERVER, "status lobbyregister").title.startswith("P-1")
    assert "Ingen forslag passer" in chat.say(CSO, "status sykkelvei").text
    refused(chat, CSO, "status P-99", "Det finnes ikke noe forslag P-99")


def test_status_card_in_english(chat: Chat) -> None:
    chat.propose(CSO)
    card = chat.say(CSO_EN, "status P-1").text
    assert "Status: submitted" in card
    assert "Responsible ministry: Justis- og beredskapsdepartementet" in card
    assert "History:" in card


# --- agenda -----------------------------------------------------------------------------------

def test_agenda_before_during_and_after(chat: Chat) -> None:
    assert "Seminaret er tirsdag 1. desember kl. 09:00" in chat.say(CSO, "agenda").text
    chat.clock.set(chat.seminar.agenda[3].start + timedelta(minutes=10))
    text = chat.say(CSO, "agenda").text
    assert "Nå: 09:45" in text and "Neste: 10:15 Diskusjon rundt forslagene" in text
    chat.clock.set(chat.seminar.agenda[-1].start + timedelta(hours=2))
    assert "Seminaret er over" in chat.say(CSO, "agenda").text
    assert "The seminar is over" in chat.say(CSO_EN, "agenda").text


# --- channel here -----------------------------------------------------------------------------

def test_channel_here_is_for_the_coordinator(chat: Chat) -> None:
    refused(chat, JD, "channel here", "koordinator")
    assert "får nå kunngjøringene" in chat.say(COORDINATOR, "channel here").text
    assert "allerede" in chat.say(COORDINATOR, "kanal her").text
    assert chat.bot.records.setting("announce_channel")["conversation"] == (
        f"console:{COORDINATOR}")


# --- the lifecycle after the tables -----------------------------------------------------------

def test_whole_life_agreed_at_the_table(chat: Chat) -> None:
    ref = chat.propose(CSO)
    assert "enighet" in chat.say(JD, f"outcome {ref} agreed").text
    assert chat.say(JD, f"report {ref} agreed Departementet gjennomfører").ok
    assert status_of(chat, ref) is Status.REPORTED
    assert any(n.key.startswith(f"report:{ref}") for n in chat.bot.outbox.all())
    assert chat.say(COORDINATOR, f"decide {ref} include").ok
    assert status_of(chat, ref) is Status.INCLUDED
    card = chat.say(CSO, f"status {ref}").text
    assert "tatt med i planen" in card and "Departementet gjennomfører" in card


def test_whole_life_through_a_bilateral_meeting(chat: Chat) -> None:
    ref = chat.propose(CSO)
    chat.say(JD, f"outcome {ref} bilateral")
    reply = chat.say(JD, f"meet {ref} 2026-12-03 14:00 R6, rom 301")
    assert "torsdag 3. desember kl. 14:00, R6, rom 301" in reply.text
    assert "Anders Bakke" in reply.text
    mine = chat.say(CSO, "meetings").text
    assert "Justis- og beredskapsdepartementet" in mine and "14:00" in mine
    assert "Anders Bakke" in chat.say(JD, "meetings").text
    assert "ingen bilaterale møter" in chat.say(CSO_EN, "møter").text.lower() or \
        "no bilateral meetings" in chat.say(CSO_EN, "meetings").text
    assert "Bilateralt møte: torsdag 3. desember kl. 14:00" in chat.say(CSO, f"status {ref}").text
    moved = chat.say(JD, f"meet {ref} 2026-12-04 09:30:30")
    assert "flyttet" in moved.text and "09:30:30" in moved.text
    title = chat.bot.records.proposal(int(ref[2:])).title  # found by its words: the same card
    assert "Bilateralt møte: fredag 4. desember kl. 09:30:30" in chat.say(
        CSO, f"status {title}").text
    chat.say(JD, f"report {ref} declined Ikke enighet om finansiering")
    refused(chat, COORDINATOR, f"decide {ref} include", "rapportert enighet")
    refused(chat, COORDINATOR, f"decide {ref} exclude", "begrunnelse er påkrevd")
    reply = chat.say(COORDINATOR, f"decide {ref} exclude Mangler finansiering i 2027")
    assert "Mangler finansiering" in reply.text
    decided = chat.say(OBSERVER, f"status {ref}").text
    assert "Mangler finansiering i 2027" in decided
    assert "Bilateralt møte" not in decided  # shown until the proposal is decided


def test_presented_proposals_can_take_an_outcome_but_never_go_back(chat: Chat) -> None:
    ref = chat.propose(CSO)
    chat.say(JD, f"outcome {ref} agreed")
    refused(chat, JD, f"outcome {ref} bilateral", "«enighet»")
    refused(chat, JD, f"meet {ref} 2026-12-03 14:00", "bilateralt møte")
    chat.say(JD, f"report {ref} agreed ok")
    refused(chat, JD, f"report {ref} agreed igjen", "rapportert")


@pytest.mark.parametrize("words", [
    "outcome {ref} agreed", "report {ref} agreed tekst", "meet {ref} 2026-12-03 14:00",
    "withdraw {ref}",
])
def test_decided_proposals_are_final(chat: Chat, words: str) -> None:
    ref = chat.propose(CSO)
    chat.say(COORDINATOR, f"decide {ref} exclude Utenfor planens område")
    refused(chat, COORDINATOR, words.format(ref=ref), "ikke tatt med")


def test_a_ministry_acts_only_on_its_own_commitments(chat: Chat) -> None:
    ref = chat.propose(CSO)  # JD is responsible
    refused(chat, FIN, f"outcome {ref} agreed", "Justis- og beredskapsdepartementet")
    refused(chat, FIN, f"report {ref} agreed x", "sitt ansvar")
    refused(chat, JD, f"decide {ref} exclude nei", "koordinator")
    refused(chat, CSO, f"outcome {ref} agreed", "sivilt samfunn")
    refused(chat, OBSERVER, f"withdraw {ref}", "observatør")
    assert chat.say(COORDINATOR_2, f"outcome {ref} agreed").ok


def test_withdraw_by_proposer_or_coordinator_only(chat: Chat) -> None:
    ref = chat.propose(CSO)
    refused(chat, CSO_EN, f"withdraw {ref}", "Only the proposer (Anders Bakke)")
    assert "trukket" in chat.say(CSO, f"withdraw {ref}").text
    refused(chat, CSO, f"withdraw {ref}", "trukket")
    other = chat.propose(CSO_EN)
    assert chat.say(COORDINATOR, f"trekk {other}").ok


@pytest.mark.parametrize(("words", "expect"), [
    ("outcome", "trenger et forslagsnummer"),
    ("outcome P-1", "Slik brukes det"),
    ("outcome P-1 maybe", "ikke et gyldig valg"),
    ("outcome 12", "ikke et forslagsnummer"),
    ("outcome P-7 agreed", "Det finnes ikke noe forslag P-7"),
    ("report P-1 agreed", "trenger en tekst"),
    ("meet P-1 2026-13-45 14:00", "ikke et tidspunkt"),
    ("meet P-1 tomorrow", "Slik brukes det"),
    ("meet P-1 2026-12-03 25:00", "ikke et tidspunkt"),
    ("decide P-1 perhaps nei", "ikke et gyldig valg"),
    ("frobnicate P-1", "Jeg forstår ikke «frobnicate»"),
    ("channel there", "Slik brukes det: channel here"),
    ("   ", "Skriv en kommando"),
])
def test_malformed_arguments_get_one_clear_sentence(chat: Chat, words: str, expect: str) -> None:
    ref = chat.propose(CSO)
    chat.say(COORDINATOR, f"outcome {ref} bilateral")
    refused(chat, COORDINATOR, words, expect)


def test_meeting_in_the_past_is_refused(chat: Chat) -> None:
    ref = chat.propose(CSO)
    chat.say(JD, f"outcome {ref} bilateral")
    refused(chat, JD, f"meet {ref} 2026-11-01 10:00", "allerede vært")


def test_english_refusals(chat: Chat) -> None:
    text = refused(chat, CSO_EN, "decide P-1 include", "coordinator")
    assert text.startswith("As civil society")
    refused(chat, CSO_EN, "status P-5", "There is no proposal P-5")


def test_a_retried_request_is_answered_once(chat: Chat) -> None:
    first = chat.bot.handle(chat.command(CSO, f"propose {LINE}", request_key="Ev1"))
    again = chat.bot.handle(chat.command(CSO, f"propose {LINE}", request_key="Ev1"))
    assert again.repeated and again.text == first.text
    assert len(chat.bot.records.proposals()) == 1


def test_tables_before_any_plan(chat: Chat) -> None:
    assert "ikke laget ennå" in chat.say(CSO, "tables").text


def test_tables_use_no_more_tables_than_the_proposals_need(chat: Chat) -> None:
    chat.propose(CSO)
    chat.propose(CSO_EN, "Open budgets | Hard to find | Publish | transparency | apne-data | fin")
    reply = chat.say(COORDINATOR, "tables assign")
    assert reply.ok, reply.text
    plan = chat.bot.records.setting("table_plan")
    assert len(plan["tables"]) == 2  # the seminar has 8, but two proposals fill two
    seated = [k for table in plan["tables"] for k in table["people"]]
    assert len(seated) == len(set(seated)) == len(chat.seminar.people)


def test_a_decided_proposal_takes_its_meeting_notices_with_it(chat: Chat) -> None:
    ref = chat.propose(CSO)
    chat.say(JD, f"outcome {ref} bilateral")
    assert chat.say(JD, f"meet {ref} 2026-12-03 14:00").ok
    waiting = [n for n in chat.bot.outbox.pending() if n.key.startswith(f"meeting:{ref}:")]
    assert len(waiting) > 3  # the invitation, reminders at each lead, the nudge
    assert chat.say(CSO, f"withdraw {ref}").ok
    assert not [n for n in chat.bot.outbox.pending() if n.key.startswith(f"meeting:{ref}:")]


def test_the_report_notice_offers_inclusion_in_the_readers_language(chat: Chat) -> None:
    ref = chat.propose(CSO)
    chat.say(JD, f"outcome {ref} agreed")
    chat.say(JD, f"report {ref} agreed Enige")
    notice = chat.bot.outbox.get(f"report:{ref}:3:roster:{COORDINATOR}")
    assert notice is not None
    assert [a.label for a in as_sent(chat.bot, notice).actions] == ["Status", "Ta med i planen"]


def test_someone_taken_off_the_roster_loses_the_role_it_gave(chat: Chat) -> None:
    import dataclasses

    assert "(koordinator)" in chat.say(COORDINATOR_2, "help").text
    smaller = dataclasses.replace(
        chat.seminar, people=tuple(p for p in chat.seminar.people if p.email != COORDINATOR_2))
    again = Chat(store=chat.store, seminar=smaller)
    assert "(sivilt samfunn)" in again.say(COORDINATOR_2, "help").text
    refused(again, COORDINATOR_2, "decide P-1 exclude nei", "koordinator")


def test_a_storage_failure_is_told_in_the_persons_own_language() -> None:
    from bot.store.contract import StoreError
    from bot.store.memory import MemoryStore

    class FullDisk(MemoryStore):
        full = False

        def put(self, collection: str, key: str, doc: dict) -> None:
            if self.full:
                raise StoreError("db.json: could not be saved: No space left on device")
            super().put(collection, key, doc)

    store = FullDisk()
    chat = Chat(store=store)
    chat.say(CSO_EN, "help")
    store.full = True
    reply = chat.say(CSO_EN, f"propose {LINE}")
    assert not reply.ok and reply.text.startswith("I could not save this")


def test_every_word_has_a_handler_roles_and_a_help_line() -> None:
    from bot.app import grammar
    from bot.process import guide

    verbs = [word.verb for word in guide.WORDS]
    assert len(verbs) == len(set(verbs)) == len(grammar.BY_VERB)
    for word in guide.WORDS:
        assert callable(word.handler), word.verb
        assert word.who, word.verb
        assert word.help, word.verb
        assert grammar.parse(word.verb)[0] == word.verb
        for name in word.names:  # every spelling calls this word, and only this one
            written = f"{word.follows} {name}" if word.follows else name
            assert grammar.parse(written)[0] == word.verb, written
    assert set(grammar.ALIASES.values()) | {"tables assign"} == set(grammar.BY_VERB)
