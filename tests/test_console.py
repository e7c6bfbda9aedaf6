"""`ogpbot shell` as a new user runs it: piped lines in, replies out, in their language."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import Console
from tests.chat import COORDINATOR, CSO_EN, LINE, OUTSIDER, SEMINAR_FILE, Chat
from tests.test_seminar import run_cli

SESSION = f"propose {LINE}\nstatus P-1\nagenda\nsing a song\n"


def test_piped_session_in_norwegian(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    result = run_cli("shell", "--user", "anders.bakke@example.org", env=env, stdin=SESSION)
    out = result.stdout
    assert "Takk! Forslaget ditt er registrert som P-1." in out
    assert "Status: innsendt" in out
    assert "Dagsorden tirsdag 1. desember" in out and "09:45" in out
    assert "Jeg forstår ikke «sing»" in out
    assert result.returncode == 1  # one line was not understood
    again = run_cli("shell", "--user", "anders.bakke@example.org", env=env, stdin="status\n")
    assert again.returncode == 0 and "P-1 Åpent lobbyregister – innsendt" in again.stdout


def test_piped_session_in_english(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    out = run_cli("shell", "--user", CSO_EN, env=env, stdin=SESSION).stdout
    assert "Thank you! Your proposal is registered as P-1." in out
    assert "Status: submitted" in out
    assert "Agenda Tuesday 1 December" in out
    assert "I don't understand “sing”" in out


def test_default_user_is_the_first_coordinator(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    result = run_cli("shell", env=env, stdin="help\n")
    assert result.returncode == 0 and "(koordinator)" in result.stdout


def test_interactive_propose_prompts_for_each_field() -> None:
    chat = Chat()
    answers = "\n".join([
        "propose", "Åpne kommunebudsjetter", "Budsjetter er vanskelige å finne",
        "Publiser alle budsjetter som åpne data", "1, 3", "apne-data", "Finansdepartementet",
        "2027-01-01 Pilot; 2027-06-01 Alle", "Budsjettalliansen", "status",
    ]) + "\n"
    out = io.StringIO()
    code = Console(chat.bot, OUTSIDER, io.StringIO(answers), out).run()
    text = out.getvalue()
    assert code == 0, text
    assert "1. åpenhet (transparency)" in text
    assert "registrert som P-1" in text
    proposal = chat.bot.records.proposal(1)
    assert proposal is not None
    assert proposal.values == ("transparency", "accountability")
    assert proposal.ministry == "fin" and proposal.organization == "Budsjettalliansen"
    assert [m.text for m in proposal.milestones] == ["Pilot", "Alle"]


def test_interactive_propose_asks_again_for_a_refused_field_and_can_be_cancelled() -> None:
    chat = Chat()
    answers = "propose\nTittel\nProblem\nBeskrivelse\nfreedom\ninnsyn\njd\n\n\n"
    out = io.StringIO()
    Console(chat.bot, COORDINATOR, io.StringIO(answers), out).run()
    text = out.getvalue()
    assert "«freedom» er ikke en OGP-verdi" in text
    assert "Avbrutt; ingenting ble sendt inn." in text
    assert chat.bot.records.proposals() == []
