"""The public side of `ogpbot serve`, tried from outside as a stranger would, against one
server process with Slack on and `OGPBOT_PUBLIC_URL` on https:

- calendar files are found only at the address the meeting's DM carries: counting through
  P-1, P-2 … with the old address, no token, a wrong token, another meeting's token or an old
  one gives the same 404; the right token gives a calendar a calendar program reads;
- every kind of response (pages, JSON, errors, unknown addresses, /healthz, /slack/events,
  /api/messages, calendar files) carries the same security headers;
- no public page, JSON document or calendar file holds an e-mail address, a platform id or
  the name of a person who is not on the roster, though such people proposed, withdrew and
  were met with; one who named no organisation is shown as a private individual.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio
from icalendar import Calendar

from tests import cast, serving
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import TEAM_ID, signed_headers, slash_command_body
from tests.serving import ServeProcess, eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

OSLO = ZoneInfo("Europe/Oslo")
START = datetime(2026, 11, 2, 12, 0, tzinfo=OSLO)  # the server's clock starts here
TOKEN = "xoxb-ogpbot-outside"
SECRET = "ogpbot-outside-signing-secret"
PUBLIC_URL = "https://ogp.example.org"
CHANNEL = "C0PLENARY"
LINE = "| Lite innsyn | Publiser loggene | transparency | innsyn | jd"


@dataclass(frozen=True)
class Someone:
    slack_id: str
    name: str | None
    email: str | None
    org: str | None = None  # the roster organisation key


KARI, INGRID, ANDERS = cast.KARI, cast.INGRID, cast.ANDERS  # on the roster
# not on the roster: one names no organisation, one names hers, one has no name or address
PER = Someone("U0PERPRIV4", "Per Privatsen", "per.privatsen@epost.example.net")
OLGA = Someone("U0OLGAORG5", "Olga Organisk", "olga.organisk@forum.example.net")
NONAME = Someone("U0NONAME6", None, None)
ROSTER = (KARI, INGRID, ANDERS)
OUTSIDERS = (PER, OLGA, NONAME)
OLGAS_ORG = "Frivillig Forum"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
CALENDAR_LINK = re.compile(r"/meetings/P-(\d+)/([A-Za-z0-9_-]+)\.ics")


@dataclass
class Outside:
    url: str
    http: aiohttp.ClientSession
    fake: FakeSlackAPI
    server: ServeProcess
    said: int = 0

    async def say(self, who: Someone, text: str) -> str:
        """A slash command, and the answer the bot posted to its response_url."""
        self.said += 1
        rid = f"say-{self.said}"
        body = slash_command_body(text, user_id=who.slack_id, channel_id=CHANNEL,
                                  channel_name="plenary",
                                  response_url=self.fake.response_url(rid))
        async with self.http.post(f"{self.url}/slack/events", data=body,
                                  headers=signed_headers(SECRET, body)) as answer:
            assert answer.status == 200, await answer.text()

        def answered() -> list[str]:
            return [json.dumps(c.args, ensure_ascii=False)
                    for c in self.fake.calls_to("response_url") if c.path.endswith(f"/{rid}")]

        await eventually(answered)
        return answered()[0]

    async def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        async with self.http.get(self.url + path, allow_redirects=False) as answer:
            return answer.status, dict(answer.headers), await answer.read()

    def calendar_links(self, to: str = "") -> dict[int, list[str]]:
        """The calendar file paths the bot's DMs carried (only those to the Slack user `to`,
        when given: each of a meeting's people has a link of their own), by proposal, oldest
        first."""
        links: dict[int, list[str]] = {}
        for call in self.fake.calls_to("chat.postMessage"):
            if to and call.args.get("channel") != self.fake.dm_channel(to):
                continue
            for number, token in CALENDAR_LINK.findall(json.dumps(call.args)):
                path = f"/meetings/P-{number}/{token}.ics"
                if path not in links.setdefault(int(number), []):
                    links[int(number)].append(path)
        return links


def seminar(day: str) -> str:
    people = cast.roster(*ROSTER, slack=True)
    return cast.seminar_toml(day, [("09:00", "Velkommen", "talk")], ["1h"], people=people)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def outside(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Outside]:
    folder: Path = tmp_path_factory.mktemp("outside")
    day = (START + timedelta(days=30)).date()
    (folder / "seminar.toml").write_text(seminar(day.isoformat()), encoding="utf-8")
    async with FakeSlackAPI() as fake, aiohttp.ClientSession() as http:
        for p in (*ROSTER, *OUTSIDERS):
            fake.add_user(p.slack_id, email=p.email, real_name=p.name)
        env = {**os.environ, "OGPBOT_DB": str(folder / "ogpbot.json"),
               "OGPBOT_SEMINAR": str(folder / "seminar.toml"), "SLACK_BOT_TOKEN": TOKEN,
               "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
               "OGPBOT_PUBLIC_URL": PUBLIC_URL, **serving.clock_env(START)}
        server = ServeProcess(env, folder / "serve.log", start_within=30)
        await server.start(http)
        try:
            world = Outside(server.url, http, fake, server)
            await populate(world, day)
            yield world
        finally:
            server.stop()


async def populate(world: Outside, day: object) -> None:
    assert "P-1" in await world.say(PER, f"propose Åpne logger {LINE}")
    assert "P-2" in await world.say(OLGA, f"propose Åpne avtaler {LINE} | {OLGAS_ORG}")
    assert "P-3" in await world.say(ANDERS, f"propose Åpne møter {LINE}")
    assert "P-4" in await world.say(NONAME, f"propose Åpne budsjetter {LINE}")
    for ref in ("P-1", "P-3"):
        await world.say(INGRID, f"outcome {ref} bilateral")
        await world.say(INGRID, f"meet {ref} {day} 10:00 Akersgata 59")
    await world.say(OLGA, "withdraw P-2")
    await world.say(KARI, "decide P-4 exclude Utenfor planens område.")
    await eventually(lambda: sorted(world.calendar_links()) == [1, 3])
    # the record is drawn from a snapshot made shortly after writes: wait until it shows them
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        doc = json.loads((await world.get("/api/proposals"))[2])
        if [p["status"] for p in doc["proposals"]] == [
                "bilateral", "withdrawn", "bilateral", "not_included"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the record never showed every write: {doc}")


# -- calendar files ------------------------------------------------------------------------


async def test_the_right_token_gives_a_calendar_a_calendar_program_reads(outside: Outside):
    path = outside.calendar_links()[1][-1]
    to_per = [json.dumps(c.args) for c in outside.fake.calls_to("chat.postMessage")
              if c.args.get("channel") == outside.fake.dm_channel(PER.slack_id)]
    assert any(PUBLIC_URL + path in message for message in to_per)
    status, headers, body = await outside.get(path)
    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert "P-1" in str(events[0]["SUMMARY"])
    assert events[0].decoded("DTSTART").astimezone(OSLO).hour == 10
    assert str(events[0]["LOCATION"]) == "Akersgata 59"


async def test_counting_through_the_meetings_finds_nothing(outside: Outside):
    links = outside.calendar_links()
    one, three = links[1][-1], links[3][-1]
    token_one = CALENDAR_LINK.search(one).group(2)  # type: ignore[union-attr]
    token_three = CALENDAR_LINK.search(three).group(2)  # type: ignore[union-attr]
    tries = ["/meetings", "/meetings/", "/meetings/P-1", "/meetings/P-1/",
             f"/meetings/P-1/{token_one}", f"/meetings/P-1/{token_one}.ICS",
             f"/meetings/P-1/{token_one}.ics/", f"/meetings/P-01/{token_one}.ics",
             f"/meetings/p-1/{token_one}.ics", f"/meetings/1/{token_one}.ics",
             f"/meetings/P-1/{token_one[:-1]}.ics", f"/meetings/P-1/{token_one}A.ics",
             f"/meetings/P-1/{token_one.swapcase()}.ics",
             f"/meetings/P-3/{token_one}.ics", f"/meetings/P-1/{token_three}.ics",
             f"/meetings/{token_one}.ics"]
    for n in range(1, 8):
        tries += [f"/meetings/P-{n}.ics", f"/meetings/P-{n}/.ics",
                  f"/meetings/P-{n}/{secrets.token_urlsafe(18)}.ics",
                  f"/meetings/P-{n}/{'A' * 24}.ics"]
    answers = {path: await outside.get(path) for path in tries}
    found = {path: status for path, (status, _, _) in answers.items() if status != 404}
    assert found == {}
    # a wrong token and no meeting at all look the same
    assert {body for _, _, body in answers.values() if body.startswith(b"no such")} == {
        b"no such meeting\n"}


async def test_a_moved_meeting_has_a_new_address_and_the_old_one_is_gone(outside: Outside):
    def hers() -> list[str]:  # the ministry's own links to P-1's meeting
        return outside.calendar_links(to=INGRID.slack_id).get(1, [])

    await eventually(lambda: len(hers()) == 1)
    [old] = hers()
    day = (START + timedelta(days=31)).date()
    await outside.say(INGRID, f"meet P-1 {day} 13:00 Rom 5")
    await eventually(lambda: len(hers()) == 2)
    new = hers()[-1]
    assert new != old
    assert (await outside.get(old))[0] == 404
    status, _, body = await outside.get(new)
    assert status == 200
    event = next(iter(Calendar.from_ical(body).walk("VEVENT")))
    assert int(event["SEQUENCE"]) == 1 and str(event["LOCATION"]) == "Rom 5"


async def test_a_meeting_called_off_answers_with_its_cancellation(outside: Outside):
    path = outside.calendar_links()[3][-1]
    assert (await outside.get(path))[0] == 200
    await outside.say(KARI, "decide P-3 exclude Dekkes av en annen forpliktelse.")
    status, _, body = await outside.get(path)  # decided before the meeting: it is off
    assert status == 200
    calendar = Calendar.from_ical(body)
    event = next(iter(calendar.walk("VEVENT")))
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert (await outside.get(path.replace(path.rsplit("/", 1)[1], "x" * 24 + ".ics")))[0] \
        == 404


# -- security headers ----------------------------------------------------------------------

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


async def test_every_kind_of_response_carries_the_security_headers(outside: Outside):
    signed = slash_command_body("help", user_id=KARI.slack_id, channel_id=CHANNEL,
                                response_url=outside.fake.response_url("headers"))
    calendar = outside.calendar_links()[1][-1]
    requests: list[tuple[str, str, bytes | None, dict[str, str]]] = [
        ("GET", "/", None, {}),
        ("GET", "/?lang=en&status=included", None, {}),
        ("GET", "/?status=banana", None, {}),
        ("GET", "/proposals/P-1", None, {}),
        ("GET", "/proposals/P-999", None, {}),
        ("GET", "/proposals/banana", None, {}),
        ("GET", "/api/proposals", None, {}),
        ("GET", "/api/proposals/P-999", None, {}),
        ("GET", "/api/proposals?area=nowhere", None, {}),
        ("GET", "/nowhere", None, {}),
        ("POST", "/", b"x", {}),
        ("GET", "/healthz", None, {}),
        ("GET", calendar, None, {}),
        ("GET", "/meetings/P-1.ics", None, {}),
        ("POST", "/slack/events", b"token=x&text=help", {
            "Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/slack/events", signed, signed_headers(SECRET, signed)),
        ("POST", "/api/messages", b"{}", {"Content-Type": "application/json"}),
        ("POST", "/api/messages", b"\xff", {"Content-Type": "application/json"}),
    ]
    statuses = set()
    for method, path, body, headers in requests:
        async with outside.http.request(method, outside.url + path, data=body,
                                        headers=headers) as answer:
            await answer.read()
            statuses.add(answer.status)
            missing = {k: answer.headers.get(k) for k, v in HEADERS.items()
                       if answer.headers.get(k) != v}
            assert missing == {}, (method, path, answer.status)
    assert {200, 400, 401, 404, 405} <= statuses


# -- nothing personal ----------------------------------------------------------------------


async def public_responses(outside: Outside) -> dict[str, bytes]:
    paths = []
    for lang in ("", "?lang=en", "?lang=nn"):
        paths += ["/" + lang, "/api/proposals" + lang]
        for n in range(1, 5):
            paths += [f"/proposals/P-{n}{lang}", f"/api/proposals/P-{n}{lang}"]
    paths += [links[-1] for links in outside.calendar_links().values()]
    answers = {}
    for path in paths:
        status, _, body = await outside.get(path)
        if "/meetings/" not in path:
            assert status == 200, path
        answers[path] = body
    return answers


async def test_no_public_response_names_an_address_an_id_or_an_outsider(outside: Outside):
    answers = await public_responses(outside)
    assert any(b"BEGIN:VCALENDAR" in body for body in answers.values())
    forbidden = [p.slack_id for p in (*ROSTER, *OUTSIDERS)] + [TEAM_ID, "slack:"]
    forbidden += [p.email for p in (*ROSTER, *OUTSIDERS) if p.email]
    forbidden += ["Per Privatsen", "Privatsen", "Olga Organisk", "Organisk"]
    found = {}
    for path, body in answers.items():
        text = body.decode("utf-8")
        for word in forbidden:
            if word.lower() in text.lower():
                found.setdefault(path, []).append(word)
        for match in EMAIL.finditer(text):
            found.setdefault(path, []).append(match.group(0))
    assert found == {}


async def test_outsiders_are_shown_by_organisation_or_as_a_private_individual(outside: Outside):
    doc = json.loads((await outside.get("/api/proposals"))[2])
    by_ref = {p["ref"]: p["organization"] for p in doc["proposals"]}
    assert by_ref == {"P-1": "privatperson", "P-2": OLGAS_ORG, "P-3": cast.organization(ANDERS.org),
                      "P-4": "privatperson"}
    english = json.loads((await outside.get("/api/proposals?lang=en"))[2])
    by_ref = {p["ref"]: p["organization"] for p in english["proposals"]}
    assert by_ref["P-1"] == by_ref["P-4"] == "private individual"
    one = json.loads((await outside.get("/api/proposals/P-2"))[2])
    assert [h["actor_name"] for h in one["proposal"]["history"]] == [OLGAS_ORG, OLGAS_ORG]
    page = (await outside.get("/proposals/P-1"))[2].decode()
    assert "privatperson" in page and "Ingrid Berg" in page  # roster people are named
