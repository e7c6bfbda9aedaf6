"""The seminar file: the shipped one loads as KMD's seminar; a broken one is refused with every
problem and its place, by `check`, `shell` and `serve` alike."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.seminar import SeminarError, load_seminar, parse_seminar
from bot.store.memory import MemoryStore
from tests.chat import SEMINAR_FILE
from tests.notice_kit import COORDINATOR, MINISTRY, PROPOSER, seminar_data

BROKEN = """
[seminar]
title = "Seminar"
date = "2026-02-30"
timezone = "Europe/Osl"
language = "se"
heads_up_minutes = -5
reminder_leads = ["24h", "soon"]
colour = "blue"

[[areas]]
key = "Åpen Data"
name = "Åpne data"

[tables]
count = 0
max_size = 10

[[agenda]]
time = "9.00"
title = "Velkommen"
kind = "talk"

[[agenda]]
time = "10:00"
title = "Foredrag"
kind = "lecture"

[[organizations]]
key = "kmd"
name = "KMD"
kind = "coordinator"

[[people]]
name = "Kari"
org = "nowhere"
email = "not-an-email"
"""


def run_cli(*args: str, env: dict[str, str] | None = None,
            stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_shipped_seminar_is_kmds() -> None:
    seminar = load_seminar(SEMINAR_FILE)
    assert "fjerde handlingsplan" in seminar.title
    assert seminar.coordinator.key == "kmd"
    assert [i.start.strftime("%H:%M") for i in seminar.agenda] == [
        "09:00", "09:15", "09:30", "09:45", "10:15", "10:40", "11:00", "12:15", "12:30"]
    assert "Paul Chaffey" in seminar.agenda[0].title
    assert seminar.agenda[6].end - seminar.agenda[6].start == timedelta(minutes=75)
    assert [o.key for o in seminar.organizations if o.kind == "observer"] == ["ks"]
    assert len(seminar.areas) == 3 and len(seminar.ministries) > 10
    assert all(p.email.endswith("@example.org") for p in seminar.people)
    assert seminar.reminder_leads == (timedelta(hours=24), timedelta(hours=1))


def test_every_problem_is_listed_with_its_place(tmp_path: Path) -> None:
    with pytest.raises(SeminarError) as caught:
        parse_seminar(tomllib.loads(BROKEN), "s.toml")
    problems = "\n".join(caught.value.problems)
    for expected in (
        "s.toml: [seminar] date: '2026-02-30' is not a date",
        "s.toml: [seminar] timezone: 'Europe/Osl'",
        "s.toml: [seminar] language: 'se'",
        "s.toml: [seminar] heads_up_minutes: must be a whole number of at least 0",
        "s.toml: [seminar] reminder_leads #2: 'soon'",
        "s.toml: [seminar]: unknown key 'colour'",
        "s.toml: [[areas]] #1 key: 'Åpen Data'",
        "s.toml: [tables] count: must be a whole number of at least 1",
        "s.toml: [[agenda]] #1 time: '9.00'",
        "s.toml: [[agenda]] #2 kind: 'lecture'",
        "s.toml: [[organizations]]: at least one organisation must have kind = \"ministry\"",
        "s.toml: [[people]] #1 org: 'nowhere'",
        "s.toml: [[people]] #1 email: 'not-an-email'",
    ):
        assert expected in problems


def test_agenda_out_of_order_and_duplicate_keys(tmp_path: Path) -> None:
    data = tomllib.loads(SEMINAR_FILE.read_text("utf-8"))
    data["agenda"][2]["time"] = "08:00"
    data["organizations"][1]["key"] = "kmd"
    with pytest.raises(SeminarError) as caught:
        parse_seminar(data, "x")
    text = "\n".join(caught.value.problems)
    assert "[[agenda]] #3 time: 08:00 must come after the item before it" in text
    assert "[[organizations]] #2 key: 'kmd' is used twice" in text


def test_a_roster_person_may_name_their_entra_object_id() -> None:
    data = tomllib.loads(SEMINAR_FILE.read_text("utf-8"))
    oid = "5A8C1B7E-2F40-4D1A-9C33-0A1B2C3D4E5F"
    data["people"][0]["aad_object_id"] = oid
    assert parse_seminar(data, "x").people[0].aad_object_id == oid.lower()

    data["people"][1]["aad_object_id"] = oid
    data["people"][2]["aad_object_id"] = "kari@example.org"
    with pytest.raises(SeminarError) as caught:
        parse_seminar(data, "x")
    text = "\n".join(caught.value.problems)
    assert f"x: [[people]] #2 aad_object_id: '{oid.lower()}' is used twice" in text
    assert "x: [[people]] #3 aad_object_id: 'kari@example.org' is not a Microsoft Entra" in text


def test_a_roster_person_may_name_the_tenant_of_their_object_id() -> None:
    data = tomllib.loads(SEMINAR_FILE.read_text("utf-8"))
    oid, tenant = "5a8c1b7e-2f40-4d1a-9c33-0a1b2c3d4e5f", "7D2E4F60-0000-4000-8000-00000000C0DE"
    data["people"][0].update(aad_object_id=oid, aad_tenant_id=tenant)
    assert parse_seminar(data, "x").people[0].aad_tenant_id == tenant.lower()

    data["people"][1]["aad_tenant_id"] = tenant  # without an object id
    data["people"][2].update(aad_object_id=oid.replace("5a", "6b"), aad_tenant_id="ks.no")
    with pytest.raises(SeminarError) as caught:
        parse_seminar(data, "x")
    text = "\n".join(caught.value.problems)
    assert "x: [[people]] #2 aad_tenant_id: names the tenant of an aad_object_id" in text
    assert "x: [[people]] #3 aad_tenant_id: 'ks.no' is not a Microsoft Entra tenant id" in text


def test_check_command(tmp_path: Path) -> None:
    ok = run_cli("check", str(SEMINAR_FILE))
    assert ok.returncode == 0 and "ok" in ok.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN, "utf-8")
    bad = run_cli("check", str(broken))
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert len(lines) >= 13 and all(line.startswith(str(broken)) for line in lines)
    not_toml = tmp_path / "x.toml"
    not_toml.write_text("[seminar\n", "utf-8")
    assert "is not valid TOML" in run_cli("check", str(not_toml)).stderr


def test_shell_and_serve_refuse_a_broken_file_with_the_same_messages(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN, "utf-8")
    env = {"OGPBOT_SEMINAR": str(broken), "OGPBOT_DB": str(tmp_path / "db.json")}
    check = run_cli("check", str(broken)).stderr
    for args in (("shell",), ("serve", "--port", "0")):
        result = run_cli(*args, env=env, stdin="help\n")
        assert result.returncode == 1
        assert result.stderr == check
    assert not (tmp_path / "db.json").exists()


def test_the_seminar_and_a_roster_person_may_say_nynorsk() -> None:
    data = seminar_data()
    data["seminar"]["language"] = "nn"
    data["people"][0]["language"] = "nn"
    data["people"][1].pop("language")
    seminar = parse_seminar(data)
    assert seminar.language == "nn" and seminar.people[0].language == "nn"
    bot = OgpBot(seminar, MemoryStore(), FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
    assert {p.name: p.speaks(seminar.language) for p in bot.records.people()} == {
        COORDINATOR.name: "nn", MINISTRY.name: "nn", PROPOSER.name: "nn"}


def test_the_shipped_file_names_kmd_as_the_pages_publisher() -> None:
    site = load_seminar(SEMINAR_FILE).publisher
    assert site.publisher == "Kommunal- og moderniseringsdepartementet"
    assert site.contact == "postmottak@kmd.dep.no"
    assert site.contact_href == "mailto:postmottak@kmd.dep.no"
    assert site.statement_url == ""


def test_check_names_what_is_wrong_in_site(tmp_path: Path) -> None:
    text = SEMINAR_FILE.read_text("utf-8")
    broken = tmp_path / "site.toml"
    broken.write_text(text.replace(
        'contact = "postmottak@kmd.dep.no"\nstatement_url = ""',
        'contact = "ring oss"\nstatement_url = "uustatus.no/erklaering"\nlogo = "kmd.png"'),
        "utf-8")
    bad = run_cli("check", str(broken))
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [
        f"{broken}: [site]: unknown key 'logo' (allowed: contact, publisher, statement_url)",
        f"{broken}: [site] contact: 'ring oss' must be an e-mail address or a web address "
        "(https://...)",
        f"{broken}: [site] statement_url: 'uustatus.no/erklaering' must be a web address "
        "(https://...), such as the statement's page on uustatus.no, or \"\""]
    no_publisher = tmp_path / "nobody.toml"
    no_publisher.write_text(text.replace(
        'publisher = "Kommunal- og moderniseringsdepartementet"\n', ""), "utf-8")
    assert run_cli("check", str(no_publisher)).stderr.splitlines() == [
        f"{no_publisher}: [site] publisher: missing"]
    good = tmp_path / "good.toml"
    good.write_text(text.replace(
        'contact = "postmottak@kmd.dep.no"\nstatement_url = ""',
        'contact = "https://www.regjeringen.no/kontakt"\n'
        'statement_url = "https://uustatus.no/nb/erklaringer/publisert/abc"'), "utf-8")
    assert run_cli("check", str(good)).returncode == 0
    site = load_seminar(good).publisher
    assert site.contact_href == "https://www.regjeringen.no/kontakt"


def test_without_site_the_coordinator_publishes_without_a_contact() -> None:
    data = seminar_data()
    data.pop("site", None)
    site = parse_seminar(data, "x").publisher
    assert site.publisher == parse_seminar(data, "x").coordinator.name
    assert site.contact == "" and site.contact_href == ""


def test_notices_digest_minutes_is_checked(tmp_path: Path) -> None:
    assert load_seminar(SEMINAR_FILE).digest_minutes == 10
    data = seminar_data()
    data.pop("notices", None)
    assert parse_seminar(data, "x").digest_minutes == 10  # the default
    assert parse_seminar({**data, "notices": {"digest_minutes": 0}}, "x").digest_minutes == 0
    text = SEMINAR_FILE.read_text("utf-8")
    for wrong, problem in (
            ("digest_minutes = -1", "[notices] digest_minutes: must be a whole number of at "
                                    "least 0"),
            ('digest_minutes = "10m"', "[notices] digest_minutes: must be a whole number of at "
                                       "least 0"),
            ("digest_minutes = 2000", "[notices] digest_minutes: must be at most 1440 (a day)"),
            ("digest_minute = 10", "[notices]: unknown key 'digest_minute' (allowed: "
                                   "digest_minutes)")):
        broken = tmp_path / "notices.toml"
        broken.write_text(text.replace("digest_minutes = 10", wrong), "utf-8")
        bad = run_cli("check", str(broken))
        assert bad.returncode == 1
        assert bad.stderr.splitlines() == [f"{broken}: {problem}"]
