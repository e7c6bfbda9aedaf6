"""The catalogue: every sentence exists in bokmål, nynorsk and English with the same placeholders
(plural forms included), and dates read naturally in each language."""

from __future__ import annotations

import shutil
import string
import subprocess
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot.i18n.catalogue import LANGUAGES, SOURCE, language_of, t, tn
from bot.i18n.formatting import format_when

OSLO = ZoneInfo("Europe/Oslo")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def catalogue(language: str) -> dict[str, tuple[str, ...]]:
    path = resources.files("bot.i18n") / "locale" / language / "LC_MESSAGES" / "ogpbot.po"
    with path.open("rb") as po:
        messages = read_po(po, locale=language)
    return {(m.id if isinstance(m.id, str) else m.id[0]):
            ((m.string,) if isinstance(m.string, str) else tuple(m.string))
            for m in messages if m.id}


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    source = catalogue(SOURCE)
    assert len(source) > 200
    for language in LANGUAGES:
        other = catalogue(language)
        assert set(other) == set(source), language
        for key, forms in other.items():
            assert all(form.strip() for form in forms), (language, key)
            assert len(forms) == len(source[key]), (language, key, "plural forms")
            for form in forms:
                assert fields(form) == fields(source[key][0]), (language, key)


def test_nynorsk_is_its_own_language() -> None:
    assert t("nn", "error.empty") != t("nb", "error.empty")
    assert "ikkje" in t("nn", "error.unknown_word", word="x")


def test_plural_forms_follow_the_number() -> None:
    assert tn("en", "tables.told_all", 1) == "1 person gets their table by direct message."
    assert tn("en", "tables.told_all", 3) == "3 people get their table by direct message."
    assert tn("nn", "tables.told_all", 3).startswith("3 personar")


def test_dates_read_naturally() -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Oslo (winter time)
    assert format_when(at, "nb", OSLO) == "tirsdag 1. desember kl. 10:00"
    assert format_when(at, "nn", OSLO) == "tysdag 1. desember kl. 10:00"
    assert format_when(at, "en", OSLO) == "Tuesday 1 December at 10:00"
    summer = datetime(2027, 6, 15, 12, 30, 15, tzinfo=UTC)
    assert format_when(summer, "nb", OSLO) == "tirsdag 15. juni kl. 14:30:15"
    assert format_when(summer, "nb", OSLO, seconds=False) == "tirsdag 15. juni kl. 14:30"
    assert format_when(summer, "en", OSLO, year=True) == "Tuesday 15 June 2027 at 14:30:15"


def test_locales_map_to_languages() -> None:
    assert language_of("nb-NO") == language_of("no") == "nb"
    assert language_of("nn-NO") == language_of("nn_NO") == "nn"
    assert language_of("en-US") == "en"
    assert language_of("de-DE") is None and language_of(None) is None


def test_the_year_is_said_when_it_is_not_this_year_and_when_asked() -> None:
    at = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    this_year = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    last_year = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    assert format_when(at, "nn", OSLO, now=this_year) == "tysdag 5. januar kl. 10:00"
    assert format_when(at, "nn", OSLO, now=last_year) == "tysdag 5. januar 2027 kl. 10:00"
    assert format_when(at, "en", OSLO, now=last_year) == "Tuesday 5 January 2027 at 10:00"
    assert format_when(at, "nb", OSLO, year=True) == "tirsdag 5. januar 2027 kl. 10:00"
    # New Year's Eve in UTC is already the next year in Oslo: the seminar's zone decides.
    eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_when(at, "nb", OSLO, now=eve) == "tirsdag 5. januar kl. 10:00"


def test_sentences_with_numbers_have_their_plural_forms() -> None:
    assert tn("en", "record.count", 1, shown=1, total=1) == "Showing 1 of 1 proposal."
    assert tn("en", "record.count", 3, shown=2, total=3) == "Showing 2 of 3 proposals."
    assert tn("nb", "notice.heads_up", 1, minutes=1, time="09:00", title="Velkommen") == (
        "Om 1 minutt, kl. 09:00: Velkommen")
    assert tn("nb", "notice.heads_up", 5, minutes=5, time="09:00", title="Velkommen") == (
        "Om 5 minutter, kl. 09:00: Velkommen")
    assert tn("nn", "tables.count.people", 2) == "2 personar"
    assert tn("en", "tables.count.tables", 1) == "1 table"
    assert tn("en", "status.more", 4) == "… and 4 more"


def test_nynorsk_reads_as_nynorsk() -> None:
    """A few of the forms a bokmål text with swapped words would get wrong."""
    assert t("nn", "propose.form_title") == "Føreslå ei forplikting"
    assert t("nn", "card.proposer") == "Føreslått av"
    assert t("nn", "record.undecided") == "Ikkje avgjort enno"
    assert t("nn", "language.set", language="nynorsk").startswith("No svarar eg deg på nynorsk")


def test_nynorsk_says_milepåle_with_its_own_endings_and_the_old_words_still_work() -> None:
    nynorsk = catalogue("nn")
    every = " ".join(form for forms in nynorsk.values() for form in forms)
    assert "milepæl" not in every.lower()  # a bokmål stem, with nynorsk endings or not
    assert t("nn", "card.milestones") == "Milepålar"
    assert t("nn", "milestone.added", n=2, ref="P-1") == "Milepåle 2 er lagd til i P-1."
    assert tn("nn", "plan.milestones_done", 3, done=1) == "1 av 3 milepålar nådde"
    assert "milepålane" in t("nn", "help.milestone")
    from bot.app.grammar import parse
    for word in ("milestone", "milepåle", "milepålar", "milestolpe", "milepæl", "milepæler"):
        assert parse(f"{word} P-1 add 2027-01-01 Pilot")[0] == "milestone", word


def test_nynorsk_agrees_with_its_nouns() -> None:
    assert t("nn", "edit.decided", ref="P-1", status="trekt").startswith(
        "P-1 er avgjort (trekt)")  # "forslaget" is neuter
    assert t("nn", "versions.first", n=1, when="i dag", who="Kari").endswith(": sendt inn")
    assert t("nn", "record.version_first") == "Teksten slik han vart sendt inn."
    assert t("nn", "import.reason", id="NO0091") == "Vedteken i handlingsplanen (NO0091)."


def test_english_reads_as_english() -> None:
    assert tn("en", "tables.conflict.too_many_people", 8, people=90, tables=8, max=10,
              seats=80) == "90 people take part, but 8 tables with room for 10 each have only " \
                           "80 seats."
    assert "alike" not in tn("en", "store.migrated", 3, target="x")
    for lang in LANGUAGES:
        assert "ogpbot" not in t(lang, "import.reason", id="NO0091")


def test_a_bad_value_names_the_words_people_may_use_in_their_language() -> None:
    assert "åpenhet, deltakelse eller ansvarlighet" in t("nb", "propose.bad_value", text="x")
    assert "openheit, deltaking eller ansvarlegheit" in t("nn", "propose.bad_value", text="x")
    english = t("en", "propose.bad_value", text="x")
    assert "transparency" in english and "åpenhet" in english and "openheit" in english
    from bot.process.proposal_form import match_value
    for lang in LANGUAGES:  # every word a sentence names is one the form takes
        for key in ("transparency", "participation", "accountability"):
            assert match_value(t(lang, f"value.{key}")) == key


def test_days_in_words_say_the_year_where_it_is_not_this_year() -> None:
    from datetime import date

    from bot.i18n.formatting import format_day, format_days
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert format_day(date(2026, 12, 24), "nb", now=now, tz=OSLO) == "24. desember"
    assert format_day(date(2027, 1, 5), "nn", now=now, tz=OSLO) == "5. januar 2027"
    assert format_day(date(2027, 1, 5), "en", now=now, tz=OSLO) == "5 January 2027"
    assert format_days(date(2027, 1, 1), date(2028, 12, 31), "nb", now=now, tz=OSLO) == \
        "1. januar 2027 – 31. desember 2028"
    assert format_days(date(2027, 1, 1), date(2027, 6, 30), "en", now=now, tz=OSLO) == \
        "1 January – 30 June 2027"
    assert format_days(None, date(2026, 12, 31), "nn", now=now, tz=OSLO) == "31. desember"
    assert format_day(date(2026, 12, 24), "en", year=True) == "24 December 2026"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_gettext_finds_each_catalogue_sound(language: str, tmp_path: Path) -> None:
    """GNU gettext's own check (header, plural forms, every message's form), where installed."""
    path = resources.files("bot.i18n") / "locale" / language / "LC_MESSAGES" / "ogpbot.po"
    done = subprocess.run(["msgfmt", "-c", "-o", str(tmp_path / "ogpbot.mo"), str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
