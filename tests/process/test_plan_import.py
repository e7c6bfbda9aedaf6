"""`ogpbot import-plan FILE` through the real command: a plan adopted outside the bot becomes
tracked commitments; a bad row is named with its line and nothing is imported."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests import cast
from tests.chat import ROOT

PLAN = ('id,title,ministry,start,end,description,milestones\n'
        'NO4-1,Åpenhet om lobbyvirksomhet,jd,2027-01-01,2028-06-30,Et register over møter,'
        '"2027-01-01 2027-06-30 Utrede registeret\n2027-07-01 2028-06-30 Registeret i drift"\n'
        'NO4-2,Åpne budsjettdata,Finansdepartementet,2027-01-01,2028-12-31,,\n')


def ogpbot(tmp: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"OGPBOT_DB": str(tmp / "store.json"),
           "OGPBOT_SEMINAR": str(ROOT / "data" / "seminar.toml"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_a_plan_imported_is_followed_in_chat(tmp_path: Path) -> None:
    (tmp_path / "plan.csv").write_text(PLAN, encoding="utf-8")
    done = ogpbot(tmp_path, "import-plan", str(tmp_path / "plan.csv"))
    assert done.returncode == 0, done.stderr
    assert "P-1, P-2" in done.stdout
    chat = ogpbot(tmp_path, "shell", "--user", cast.INGRID.email,
                  stdin="plan\nstatus P-1\nprogress P-1 limited Utredningen er i gang\n")
    assert chat.returncode == 0, chat.stdout + chat.stderr
    assert "Handlingsplanen: 2 forpliktelser" in chat.stdout
    # dates in words, the year said where it is not this year (the shell runs on today)
    assert "Åpenhet om lobbyvirksomhet – Justis- og beredskapsdepartementet, " \
           "1. januar 2027 – 30. juni 2028" in chat.stdout
    assert re.search(r"1\. 1\. januar – 30\. juni( 2027)?: Utrede registeret", chat.stdout)
    assert "Framdriften for P-1 er registrert: begrenset." in chat.stdout
    # read as a commitment: adopted in its plan (no tool's name), nothing it never had
    card = chat.stdout[chat.stdout.index("P-1 Åpenhet om lobbyvirksomhet\n"):]
    assert "Begrunnet svar: tatt med i planen – Vedtatt i handlingsplanen (NO4-1).\n" in card
    assert "Nummer i handlingsplanen: NO4-1" in card
    assert "ogpbot" not in card
    assert not any(line.rstrip().endswith(":") and not line.startswith(("Milepæler",
                                                                         "Historikk"))
                   for line in card.splitlines())  # no empty field
    assert "Foreslått av" not in card and "Problemet" not in card
    again = ogpbot(tmp_path, "import-plan", str(tmp_path / "plan.csv"))
    assert again.returncode == 1 and "already imported: NO4-1, NO4-2" in again.stderr


def test_a_bad_row_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    bad = PLAN + "NO4-3,Tredje,ukjent-dep,2027-01-01,2026-01-01,,\n"
    (tmp_path / "plan.csv").write_text(bad, encoding="utf-8")
    done = ogpbot(tmp_path, "import-plan", str(tmp_path / "plan.csv"))
    assert done.returncode == 1
    assert "line 5: ministry 'ukjent-dep'" in done.stderr
    assert "line 5: end comes before start" in done.stderr
    listing = ogpbot(tmp_path, "shell", stdin="plan\n")
    assert "Ingen forpliktelser" in listing.stdout
