"""`tables assign` and `tables` through the console: the plan, the proposals' status, the
announcement to the seminar channel and each person's DM in their language."""

from __future__ import annotations

from bot.core.model import Status
from bot.core.notice import NoticeState
from tests.cast import KARI
from tests.notice_kit import as_sent
from tests.process.tables_fixtures import make_bot, propose, say


def tables_notices(bot):
    return {n.key: n for n in bot.outbox.all() if n.kind == "tables"}


def test_assign_seats_everyone_announces_and_tells_each_person() -> None:
    bot = make_bot()
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")
    propose(bot, "ola@ngo.no", "Open courts", "access", "jd")
    out = say(bot, KARI.email, "tables assign")
    assert "Table plan, version 1" in out
    assert "2 proposals and 7 people are seated at 2 tables." in out
    assert "2 proposals are now “in discussion”." in out
    assert "Every proposal has its proposer and its ministry at the table." in out
    for n in (1, 2):
        proposal = bot.records.proposal(n)
        assert proposal.status is Status.IN_DISCUSSION
        assert proposal.history[-1].action == "discussed"
    notices = tables_notices(bot)
    plan = notices["tables:v1:plan"]
    assert plan.target.kind == "announce" and plan.state is NoticeState.PENDING
    assert "P-1" in plan.message.text and "Ola NGO" in plan.message.text
    # everyone but the coordinator who asked gets a DM; Nina in bokmål, the rest in English
    dms = {k: n for k, n in notices.items() if n.target.kind == "person"}
    assert len(dms) == 6
    nina = dms["tables:v1:roster:nina@ngo.no"]
    assert as_sent(bot, nina).title.startswith("Ditt småbord: bord")
    assert "P-1 Open budgets" in as_sent(bot, nina).text
    jon = dms["tables:v1:roster:jon@jd.no"]
    assert as_sent(bot, jon).title.startswith("Your small table: table")
    assert "P-2 Open courts" in as_sent(bot, jon).text and "Ola NGO" in as_sent(bot, jon).text


def test_tables_shows_the_plan_and_the_askers_table() -> None:
    bot = make_bot()
    assert "There is no table plan yet" in say(bot, "ola@ngo.no", "tables")
    assert "Bordplanen er ikke laget ennå" in say(bot, "nina@ngo.no", "tables")
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")
    say(bot, KARI.email, "tables assign")
    plan = bot.records.setting("table_plan")
    table = next(t for t in plan["tables"] if "roster:jon@jd.no" in t["people"])
    out = say(bot, "jon@jd.no", "tables")
    assert f"Your table: {table['number']}" in out
    assert "Table 1" in out and "Table 2" in out


def test_only_the_coordinator_assigns_and_needs_something_to_discuss() -> None:
    bot = make_bot()
    assert "There are no proposals to discuss yet" in say(bot, KARI.email, "tables assign")
    assert bot.records.setting("table_plan") is None
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")
    out = say(bot, "ola@ngo.no", "tables assign")
    assert "cannot use “tables assign”" in out
    assert bot.records.setting("table_plan") is None
    assert not tables_notices(bot)


def test_a_rerun_after_a_late_proposal_tells_only_who_moved() -> None:
    bot = make_bot()
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")
    propose(bot, "ola@ngo.no", "Open courts", "access", "jd")
    say(bot, KARI.email, "tables assign")
    first = {p: t["number"] for t in bot.records.setting("table_plan")["tables"]
             for p in t["people"]}
    propose(bot, "jon@jd.no", "Open registers", "access", "fin")
    out = say(bot, KARI.email, "tables assign")
    assert "Table plan, version 2" in out
    assert "only the" in out
    second = {p: t["number"] for t in bot.records.setting("table_plan")["tables"]
              for p in t["people"]}
    moved = {p for p in second if first.get(p) != second[p]}
    assert len(moved) <= 2
    v2 = {k for k in tables_notices(bot) if k.startswith("tables:v2:roster:")}
    assert v2 == {f"tables:v2:{p}" for p in moved if p != f"roster:{KARI.email}"}
    for key in v2:
        assert "The table plan has changed" in as_sent(bot, tables_notices(bot)[key]).text
    assert "tables:v2:plan" in tables_notices(bot)
    assert bot.records.proposal(3).status is Status.IN_DISCUSSION


def test_an_impossible_plan_says_who_and_what_would_fix_it() -> None:
    people = [(KARI.name, KARI.org, KARI.email), ("Jon Justis", "jd", "jon@jd.no"),
              ("Nina NGO", "ngo", "nina@ngo.no", "nb"), ("Ola NGO", "ngo", "ola@ngo.no")]
    bot = make_bot(people, count=2, max_size=2)
    propose(bot, "nina@ngo.no", "Open courts", "access", "jd")
    propose(bot, "ola@ngo.no", "Open prisons", "access", "jd")
    out = say(bot, KARI.email, "tables assign")
    assert "Rules this plan cannot keep:" in out
    assert "P-1, P-2 must share one table" in out
    assert "Jon Justis is the only person from Justice ministry and is needed at P-1, P-2" in out
    assert "another representative of Justice ministry on the roster" in out
    assert "max_size of at least 3 in [tables]" in out
    assert "a second round at the small tables" in out
    nb = say(bot, "nina@ngo.no", "tables")  # Nina reads bokmål
    assert "Jon Justis er den eneste fra Justice ministry" in nb
    assert "Dette kan løse det:" in nb
