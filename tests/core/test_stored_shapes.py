"""Records stored by an earlier ogpbot read back unchanged: `stored/before-typed-model.json`
is a TinyDB store written before reports, decisions, outcomes, notice targets and the seating
chart's breaches were typed (every proposal state, an imported commitment, English and
nynorsk texts, notices of every kind, a chart that breaks rules and still holds the retired
`problems`). Each record loads, and saved again is the document it was. A notice's words
are stored as they always were, and read back as they were written."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.core import reply as replies
from bot.core.model import Choice, Outcome, Proposal, ReportResult
from bot.core.notice import Notice, TargetKind
from bot.core.reply import Action, Field, Form, FormField, Marked, Reply
from bot.process.seating import BreachRule, Fix, ImpasseRule
from bot.process.tables import CHART_SETTING, SeatingChart
from bot.store.tinydb_file import TinyDBStore

STORED = Path(__file__).parent / "stored" / "before-typed-model.json"


@pytest.fixture
def store(tmp_path: Path) -> TinyDBStore:
    shutil.copy(STORED, tmp_path / "store.json")
    return TinyDBStore(tmp_path / "store.json", readonly=True)


def test_every_proposal_reads_back_as_stored(store: TinyDBStore) -> None:
    docs = store.all("proposals")
    assert len(docs) == 12
    for doc in docs:
        assert Proposal.from_dict(doc).to_dict() == doc
    by_ref = {p.ref: p for p in map(Proposal.from_dict, docs)}
    declined, imported, english = by_ref["P-8"], by_ref["P-11"], by_ref["P-12"]
    assert declined.outcome is Outcome.AGREED
    assert declined.report is not None and declined.report.result is ReportResult.DECLINED
    assert declined.report.text == "Ikke enighet om omfanget."
    assert declined.decision is not None and declined.decision.result is Choice.EXCLUDE
    assert imported.decision is not None and imported.decision.reason is None  # none stored
    assert english.report is not None and english.report.language == "nn"
    assert english.decision is not None and english.decision.language == "en"
    assert by_ref["P-5"].outcome is Outcome.BILATERAL and by_ref["P-5"].report is None


def test_every_notice_target_reads_back_as_stored(store: TinyDBStore) -> None:
    docs = store.all("outbox")
    assert {doc["target"]["kind"] for doc in docs} == {"person", "announce", "conversation"}
    for doc in docs:
        target = Notice.from_dict(doc).target
        assert target.kind is TargetKind(doc["target"]["kind"])
        assert target.to_dict() == doc["target"]


def test_the_seating_chart_reads_back_as_stored_without_problems(store: TinyDBStore) -> None:
    stored = store.get("settings", CHART_SETTING)
    assert stored is not None
    doc = stored["value"]
    assert doc["problems"] and doc["breaches"] and doc["conflicts"]
    chart = SeatingChart.from_dict(doc)
    assert chart.to_dict() == {k: v for k, v in doc.items() if k != "problems"}
    assert [b.rule for b in chart.breaches] == [
        BreachRule.PROPOSER_AWAY, BreachRule.MINISTRY_AWAY, BreachRule.OVER_SIZE]
    (impasse,) = chart.impasses
    assert impasse.rule is ImpasseRule.NO_MINISTRY_PERSON
    assert impasse.fixes == (Fix.REPRESENTATIVE,) and impasse.ministries == ("fin",)


def test_a_replys_words_are_stored_as_before_and_read_back_whole() -> None:
    changed = Marked("Tekst", (("same", "Open "), ("removed", "gamal"), ("added", "ny")))
    reply = Reply(
        language="nn", title="Ny versjon av P-3",
        fields=(Field("Status", "levert"), Field("Departement", "KLD")),
        lines=("Endra:", changed),
        actions=(Action("Status", "status P-3"), Action("Trekk", "withdraw P-3", "danger")),
        form=Form("edit", "Endre P-3", "Lagre", (
            FormField("area", "Område", "choice",
                      choices=(replies.Choice("innsyn", "Innsyn"),)),
            FormField("values", "Verdiar", "multi_choice", initial=("transparency",))),
            {"proposal": "3"}, "edit P-3"),
        errors={"title": "For lang"}, ok=False, repeated=True)
    before = dataclasses.asdict(reply)  # how a reply was stored until now
    before["lines"] = ["Endra:", changed.to_dict()]
    assert reply.to_dict() == before
    again = Reply.from_dict(reply.to_dict())
    assert again.text == reply.text and again.form == reply.form
    assert again.actions == reply.actions and again.errors == reply.errors
