"""Refining a proposal in `ogpbot shell`: one field in a line, the edit form as prompts that keep
the current text on an empty line, a save someone else overtook while the person typed (their
answers kept, asked again), milestones, notes, join, versions and a follower's notice."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import Console
from tests.chat import COORDINATOR, CSO, CSO_EN, JD, LINE, SEMINAR_FILE, Chat
from tests.core.test_seminar import run_cli


def test_a_piped_table_session(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    session = "\n".join([
        f"propose {LINE}",
        "edit P-1 goal Alle møter mellom lobbyister og statsråder er offentlige",
        "milepæl P-1 add 2027-01-01 2027-06-30 Pilot i to departementer",
        "note P-1 Bordet vil ha med kommunene",
        "versions P-1",
        "status P-1",
    ]) + "\n"
    result = run_cli("shell", "--user", CSO, env=env, stdin=session)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "P-1 er lagret som versjon 2." in out
    assert "Mål: **Alle møter mellom lobbyister og statsråder er offentlige**" in out
    assert "1. 1. januar – 30. juni 2027: Pilot i to departementer" in out
    assert "Notatet er lagret med P-1 (notat nr. 1)." in out
    assert "Versjon 2 – " in out and "Anders Bakke: endret mål" in out
    assert "Notater fra bordet:" in out

    # The ministry, who follows it without asking, sees the new version in its own shell.
    ministry = run_cli("shell", "--user", JD, env=env, stdin="edit P-1 title Søkbart register\n")
    assert ministry.returncode == 0, ministry.stderr
    assert "→ Ny versjon av P-1 Åpent lobbyregister (versjon 2)" in ministry.stdout
    assert "P-1 er lagret som versjon 3." in ministry.stdout
    joined = run_cli("shell", "--user", CSO_EN, env=env, stdin="join P-1\nfollow P-1\n")
    assert "Publish What You Pay Norge has joined P-1 Søkbart register." in joined.stdout
    assert "You already follow P-1." in joined.stdout


def test_the_edit_form_as_prompts_keeps_what_an_empty_line_leaves() -> None:
    chat = Chat()
    chat.propose(CSO)
    answers = "\n".join(["edit P-1", "", "Ingen vet hvem som møter statsrådene", "",
                         "Alle møter er offentlige", ""]) + "\n"
    out = io.StringIO()
    assert Console(chat.bot, CSO, io.StringIO(answers), out).run() == 0, out.getvalue()
    text = out.getvalue()
    assert "Endre P-1. Svar på hvert spørsmål; en tom linje beholder teksten" in text
    assert "Tittel [Åpent lobbyregister]:" not in text  # prompts show only when interactive
    assert "P-1 er lagret som versjon 2." in text
    p = chat.bot.records.proposal(1)
    assert p is not None
    assert (p.title, p.problem, p.goal, p.results) == (
        "Åpent lobbyregister", "Ingen vet hvem som møter statsrådene",
        "Alle møter er offentlige", "")


class Overtaken(io.StringIO):
    """Input where, while the person is at their third answer, the coordinator saves a new
    version of P-1 from elsewhere."""

    def __init__(self, text: str, chat: Chat) -> None:
        super().__init__(text)
        self.chat = chat
        self.lines = 0

    def readline(self, size: int | None = -1) -> str:
        self.lines += 1
        if self.lines == 4:
            assert self.chat.say(COORDINATOR, "edit P-1 description Et register med søk").ok
        return super().readline(size)


def test_an_overtaken_save_shows_the_newer_text_and_asks_again_with_the_persons_own() -> None:
    chat = Chat()
    chat.propose(CSO)
    first = ["edit P-1", "Åpent og søkbart lobbyregister", "", "", "Innsyn i alle møter", ""]
    again = ["", "", "", "", ""]  # asked again: an empty line keeps their own answers
    out = io.StringIO()
    Console(chat.bot, CSO, Overtaken("\n".join([*first, *again]) + "\n", chat), out).run()
    text = out.getvalue()
    assert "Ikke lagret: P-1 er endret i mellomtiden" in text
    assert "Kari Nordmann lagret versjon 2" in text
    assert "Forpliktelsen: Et register med søk" in text
    assert "P-1 er lagret som versjon 3." in text
    p = chat.bot.records.proposal(1)
    assert p is not None
    assert (p.title, p.goal) == ("Åpent og søkbart lobbyregister", "Innsyn i alle møter")
    # Their form held the description from version 1; kept as they had it, it wins in
    # version 3, and version 2 still holds the coordinator's.
    assert p.description == "Publiser alle møter i et åpent register"
    assert p.versions[1].description == "Et register med søk"
