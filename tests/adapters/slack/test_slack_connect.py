"""Between organisations in Slack, through the real server and slack-bolt: payloads of each kind
as Slack's documentation shows them (`payloads/`, made-up ids), signed with slack_sdk's
`SignatureVerifier`, against the fake Web API that knows each token's workspace.

- Slack Connect: the installation Slack names decides, not the workspace that hosts the
  channel; people of other organisations are served, as civil society unless the roster names
  them (by `slack_id`: Slack hides their email, and an address their profile shows anyway
  names nobody); their answers go with the token of the installation they came through.
- Several workspaces: each request answered, and each person reached, through the workspace
  they wrote from; one person in two workspaces is one person when the roster's member id
  or their email says so (an email does not take a person the roster names by member id);
  a token that runs out soon is renewed (Slack's token rotation) before an answer needs it.
- Whose e-mail counts: only a workspace the operator vouched for (listed in `SLACK_TEAM_ID`,
  else `SLACK_BOT_TOKEN`'s) names roster people by address; a workspace anyone installed
  through the open install flow does not, however its members' profiles read.
- Only people: Slackbot, other apps' bots, the bot's own messages and edits get no answer and
  leave nothing behind.
- Uninstalling (`app_uninstalled`, `tokens_revoked`) forgets the workspace's token.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.signature import SignatureVerifier

from adapters.outbox_service import notifiers_of
from adapters.sealing import Sealer
from adapters.server import build_app
from adapters.slack.installations import INSTALLATIONS, StoreInstallations
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.reply import Reply
from bot.core.settings import Settings
from bot.i18n.catalogue import t
from bot.notices.port import DeliveryError
from bot.store.memory import MemoryStore
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.serving import ROOT

pytestmark = pytest.mark.asyncio
PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "made-up-signing-secret"
KEY = "bWFkZS11cCBrZXkgZm9yIG9ncGJvdCB0ZXN0cywgMzI="
KMD, NGO = "T0KMD0001", "T0NGO0001"  # the ministry's workspace, an organisation's
TOKENS = {KMD: "xoxb-kmd-made-up", NGO: "xoxb-ngo-made-up"}
KARI = "U0KARI001"  # KMD's coordinator, in KMD's workspace
KARI_IN_NGO = "U0KARI0NG"  # her own account in the organisation's workspace (a member there)
ANDERS = "U0ANDERS1"  # Anders Bakke (Transparency International Norge), in the NGO's workspace
OLA = "U0OLA0001"  # another person of the NGO, not on the roster
SHARED = "C0CONNECT1"  # the Slack Connect channel the NGO hosts and shares with KMD
OLA_HELP = {"user": OLA, "text": "<@U0OGPBOT1> help"}  # Ola's mention, in the same channel
MALLORY = "U0MALLOR1"  # a member of the NGO's workspace whose profile shows Kari's address


def seminar(folder: Path, pinned: tuple[tuple[str, str], ...] = ()) -> str:
    """The shipped seminar, with Anders named by his Slack member id (his organisation's
    workspace shows nobody his email), and each (email, member id) of `pinned` too."""
    text = (ROOT / "data" / "seminar.toml").read_text(encoding="utf-8")
    for email, member in (("anders.bakke@example.org", ANDERS), *pinned):
        line = f'email = "{email}"\n'
        assert line in text
        text = text.replace(line, f'{line}slack_id = "{member}"\n', 1)
    path = folder / "seminar.toml"
    path.write_text(text, "utf-8")
    return str(path)


@dataclass
class Deployment:
    url: str
    http: aiohttp.ClientSession
    fake: FakeSlackAPI
    runtime: Runtime
    app: Any

    def payload(self, name: str, *, via: str | None = None,
                event: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """One of Slack's payloads, with its response_url on the fake, delivered for the
        installation in workspace `via` (an event's), with `event` set in its event and
        `fields` at the top."""
        text = (PAYLOADS / name).read_text(encoding="utf-8")
        body: dict[str, Any] = json.loads(text) if name.endswith(".json") \
            else dict(parse_qsl(text.strip()))
        if "response_url" in body:
            body["response_url"] = self.fake.response_url(name)
        if via is not None:
            body["authorizations"] = [{**body["authorizations"][0], "team_id": via}]
        if event:
            body["event"] = {**body["event"], **event}
        body.update(fields)
        return body

    async def post(self, body: dict[str, Any], name: str = "") -> tuple[int, str]:
        """POST `body` the way Slack sends its kind, signed with slack_sdk's verifier."""
        if "command" in body:
            raw, kind = urlencode(body), "application/x-www-form-urlencoded"
        elif body.get("type") in ("block_actions", "view_submission"):
            raw = urlencode({"payload": json.dumps(body, ensure_ascii=False)})
            kind = "application/x-www-form-urlencoded"
        else:
            raw, kind = json.dumps(body, ensure_ascii=False), "application/json"
        stamp = str(int(time.time()))
        headers = {"Content-Type": kind, "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
                       timestamp=stamp, body=raw)}
        async with self.http.post(self.url + "/slack/events", data=raw.encode("utf-8"),
                                  headers=headers) as answer:
            return answer.status, await answer.text()

    async def send(self, name: str, **fields: Any) -> tuple[int, str]:
        return await self.post(self.payload(name, **fields), name)

    async def accepted(self, name: str, **fields: Any) -> None:
        """`send`, and Slack is told it arrived (200)."""
        status, text = await self.send(name, **fields)
        assert status == 200, text

    async def calls(self, method: str, count: int = 1, within: float = 30.0) -> list[Call]:
        with contextlib.suppress(TimeoutError):
            await self.fake.wait_for(method, count, within=within)
        return self.fake.calls_to(method)

    def team_of(self, call: Call) -> str | None:
        return self.fake.team_of(call)


@contextlib.asynccontextmanager
async def deployment(folder: Path, *, served: str, installed: tuple[str, ...] = (),
                     bot_token: str = "", oauth: bool = True,
                     pinned: tuple[tuple[str, str], ...] = ()) -> AsyncIterator[Deployment]:
    """ogpbot with Slack's install flow on (unless not `oauth`), installed in the `installed`
    workspaces, with `bot_token` (KMD's) as `SLACK_BOT_TOKEN`, and the roster naming the
    member ids `pinned` (email, member id) besides Anders's."""
    async with FakeSlackAPI(team_id=KMD) as fake:
        fake.add_workspace(NGO, "Frivillighet Norge")
        fake.add_user(KARI, email="kari.nordmann@example.org", team_id=KMD, locale="nb-NO")
        fake.add_user(KARI_IN_NGO, email="kari.nordmann@example.org", team_id=NGO,
                      locale="nb-NO")
        # people of another organisation: Slack shows no email (nor, here, a language)
        fake.add_user(ANDERS, team_id=NGO, locale="nn-NO", real_name="Anders Bakke")
        fake.add_user(OLA, team_id=NGO, locale="en-GB", real_name="Ola")
        if bot_token:
            fake.add_token(bot_token, KMD)
        settings = Settings(seminar=seminar(folder, pinned), env={
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
            "SLACK_CLIENT_ID": "1.2" if oauth else "",
            "SLACK_CLIENT_SECRET": "made-up" if oauth else "",
            "OGPBOT_SECRET_KEY": KEY if oauth else "",
            "SLACK_TEAM_ID": served, "SLACK_BOT_TOKEN": bot_token})
        runtime = Runtime.open(settings, FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
                               MemoryStore())
        kept = StoreInstallations(runtime.store, Sealer(KEY))
        for team in installed:
            fake.add_token(TOKENS[team], team)
            await kept.async_save(Installation(
                team_id=team, team_name=team, bot_token=TOKENS[team], bot_id="B0OGPBOT1",
                bot_user_id="U0OGPBOT1", user_id="U0INSTALL", installed_at=1.0))
        server = TestServer(build_app(runtime), host="127.0.0.1")
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as http:
                yield Deployment(str(server.make_url("")).rstrip("/"), http, fake, runtime,
                                 server.app)
        finally:
            await server.close()


def help_title(lang: str, role: str) -> str:
    return t(lang, "help.title", role=t(lang, f"role.{role}"))


# ------------------------------------------------------------------ Slack Connect

async def test_the_coordinator_is_served_in_a_channel_another_organisation_hosts(
        tmp_path: Path) -> None:
    """The event's top-level team_id is the host's (the NGO); the installation is KMD's."""
    async with deployment(tmp_path, served=KMD, installed=(KMD,)) as d:
        status, _ = await d.send("event_app_mention_connect_host_elsewhere.json")
        assert status == 200
        [answer] = await d.calls("chat.postEphemeral")
        assert answer.args["user"] == KARI and answer.args["channel"] == SHARED
        assert help_title("nb", "coordinator") in answer.args["text"]
        assert d.team_of(answer) == KMD


async def test_a_person_of_another_organisation_is_served_in_the_shared_channel(
        tmp_path: Path) -> None:
    async with deployment(tmp_path, served=KMD, installed=(KMD,)) as d:
        status, _ = await d.send("event_app_mention_connect_outsider.json")
        assert status == 200
        [answer] = await d.calls("chat.postEphemeral")
        assert answer.args["user"] == ANDERS and d.team_of(answer) == KMD
        # the roster names Anders by his member id: Slack showed no email to find him by
        anders = d.runtime.bot.records.person_by_platform("slack", ANDERS)
        assert anders is not None and anders.on_roster and anders.org == "ti-norge"
        assert anders.email == "anders.bakke@example.org"  # the roster's, not Slack's


async def test_an_unnamed_outsider_is_civil_society(tmp_path: Path) -> None:
    async with deployment(tmp_path, served=KMD, installed=(KMD,)) as d:
        await d.accepted("event_app_mention_connect_outsider.json", event=OLA_HELP)
        [answer] = await d.calls("chat.postEphemeral")
        assert help_title("en", "civil_society") in answer.args["text"]
        ola = d.runtime.bot.records.person_by_platform("slack", OLA)
        assert ola is not None and not ola.on_roster and ola.email is None


async def test_an_address_an_outsiders_profile_shows_names_nobody(tmp_path: Path) -> None:
    """Ola's organisation gives his profile the coordinator's address; through KMD's
    installation he is a person of another organisation, and stays civil society."""
    async with deployment(tmp_path, served=KMD, installed=(KMD,)) as d:
        d.fake.add_user(OLA, team_id=NGO, locale="en-GB", real_name="Ola",
                        email="kari.nordmann@example.org")
        await d.accepted("event_app_mention_connect_outsider.json", event=OLA_HELP)
        [answer] = await d.calls("chat.postEphemeral")
        assert help_title("en", "civil_society") in answer.args["text"]
        ola = d.runtime.bot.records.person_by_platform("slack", OLA)
        assert ola is not None and not ola.on_roster and ola.email is None
        kari = d.runtime.bot.records.person_by_email("kari.nordmann@example.org")
        assert kari is not None and "slack" not in kari.platform_ids


async def test_an_outsiders_dm_and_slash_command_work_the_same(tmp_path: Path) -> None:
    async with deployment(tmp_path, served=KMD, installed=(KMD,)) as d:
        await d.accepted("event_message_im_outsider.json")
        [dm] = await d.calls("chat.postMessage")
        assert dm.args["channel"] == "D0ANDERS01" and d.team_of(dm) == KMD
        status, _ = await d.send("command_connect_outsider.txt")
        assert status == 200
        [answer] = await d.calls("response_url")
        assert help_title("nn", "civil_society") in json.dumps(answer.args, ensure_ascii=False)


async def test_a_form_submitted_from_the_other_side_is_the_installations(
        tmp_path: Path) -> None:
    """`team` is the person's organisation; `view.app_installed_team_id` is KMD's."""
    async with deployment(tmp_path, served=KMD, installed=(KMD,)) as d:
        status, text = await d.send("view_submission_connect_outsider.json")
        assert status == 200
        assert json.loads(text)["response_action"] == "update"  # the confirmation
        [proposal] = d.runtime.bot.records.proposals()
        assert proposal.title == "Åpne budsjetter i kommunene"
        [dm] = await d.calls("chat.postMessage")
        assert d.team_of(dm) == KMD


async def test_a_request_through_a_workspace_not_served_gets_403_and_changes_nothing(
        tmp_path: Path) -> None:
    """A button pressed by a person of the NGO names the NGO's installation (its `team`)."""
    async with deployment(tmp_path, served=KMD, installed=(KMD,)) as d:
        before = d.runtime.store.collections()
        status, _ = await d.send("block_actions_connect_outsider.json")
        status_dm, _ = await d.send("event_message_im_outsider.json", via=NGO)
        assert (status, status_dm) == (403, 403)
        assert d.runtime.store.collections() == before
        assert d.fake.calls == []


# ------------------------------------------------------------------ several workspaces

async def test_each_workspace_is_answered_with_its_own_token(tmp_path: Path) -> None:
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO)) as d:
        await d.accepted("block_actions_connect_outsider.json")
        assert len(await d.calls("response_url")) == 1  # Anders pressed it in his workspace
        await d.accepted("event_message_im_outsider.json", event_id="Ev0DMNGO0001", via=NGO)
        await d.accepted("event_app_mention_connect_host_elsewhere.json")
        [dm] = await d.calls("chat.postMessage")
        [ephemeral] = await d.calls("chat.postEphemeral")
        assert d.team_of(dm) == NGO and d.team_of(ephemeral) == KMD
        infos = {c.args["user"]: d.team_of(c) for c in d.fake.calls_to("users.info")}
        assert infos == {ANDERS: NGO, KARI: KMD}


async def test_a_person_is_reached_through_the_workspace_they_last_wrote_from(
        tmp_path: Path) -> None:
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO)) as d:
        await d.send("event_message_im_outsider.json", event_id="Ev0DMNGO0001", via=NGO)
        await d.calls("chat.postMessage")
        notifier = notifiers_of(d.app)["slack"]
        await notifier.direct(ANDERS, Reply(language="nn", title="Bordet ditt"))
        sent = d.fake.calls_to("chat.postMessage")
        assert [d.team_of(c) for c in sent] == [NGO, NGO]
        # he writes from KMD's installation next (its DM with the bot there)
        await d.send("event_message_im_outsider.json")
        await d.calls("chat.postMessage", 3)
        await notifier.direct(ANDERS, Reply(language="nn", title="Bordet ditt"))
        sent = d.fake.calls_to("chat.postMessage")
        assert [d.team_of(c) for c in sent] == [NGO, NGO, KMD, KMD]
        assert [d.team_of(c) for c in d.fake.calls_to("conversations.open")] == [NGO, KMD]


async def test_one_person_in_two_workspaces_is_one_person(tmp_path: Path) -> None:
    """Kari has an account in each workspace; her email says both are her."""
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO)) as d:
        await d.send("event_app_mention_connect_host_elsewhere.json")
        # her second account writes once the first is answered: two accounts are two lanes
        # until she is known as one person, so sent together they may be answered either way
        await d.calls("chat.postEphemeral")
        await d.accepted("event_app_mention_connect_host_elsewhere.json", event_id="Ev0KARINGO01",
                         via=NGO, event={"user": KARI_IN_NGO})
        answers = await d.calls("chat.postEphemeral", 2)
        assert [d.team_of(c) for c in answers] == [KMD, NGO]
        assert all(help_title("nb", "coordinator") in c.args["text"] for c in answers)
        karis = [p for p in d.runtime.bot.records.people()
                 if p.email == "kari.nordmann@example.org"]
        assert len(karis) == 1 and karis[0].platform_ids["slack"] == KARI_IN_NGO


async def test_a_person_the_roster_names_by_member_id_is_one_from_either_workspace(
        tmp_path: Path) -> None:
    """Anders writes through his organisation's installation and through KMD's (a Slack
    Connect channel): one member id, one person, the roster's."""
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO)) as d:
        await d.accepted("event_message_im_outsider.json", event_id="Ev0DMNGO0001", via=NGO)
        await d.accepted("event_app_mention_connect_outsider.json")
        [dm] = await d.calls("chat.postMessage")
        [mention] = await d.calls("chat.postEphemeral")
        assert (d.team_of(dm), d.team_of(mention)) == (NGO, KMD)
        anders = [p for p in d.runtime.bot.records.people()
                  if p.platform_ids.get("slack") == ANDERS]
        assert len(anders) == 1 and anders[0].on_roster and anders[0].org == "ti-norge"


async def test_a_person_the_roster_names_by_member_id_is_not_another_account_with_her_address(
        tmp_path: Path) -> None:
    """The roster names Kari by her member id in KMD's workspace: an account in the NGO's
    workspace showing her address is not her (its admin could have typed it)."""
    pinned = (("kari.nordmann@example.org", KARI),)
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO),
                          pinned=pinned) as d:
        await d.accepted("event_app_mention_connect_host_elsewhere.json", event_id="Ev0KARINGO01",
                         via=NGO, event={"user": KARI_IN_NGO})
        [other] = await d.calls("chat.postEphemeral")
        assert help_title("nb", "civil_society") in other.args["text"]
        await d.accepted("event_app_mention_connect_host_elsewhere.json")
        answers = await d.calls("chat.postEphemeral", 2)
        assert help_title("nb", "coordinator") in answers[1].args["text"]
        kari = d.runtime.bot.records.person_by_email("kari.nordmann@example.org")
        assert kari is not None and kari.platform_ids["slack"] == KARI
        stranger = d.runtime.bot.records.person_by_platform("slack", KARI_IN_NGO)
        assert stranger is not None and not stranger.on_roster and stranger.email is None


async def install(d: Deployment, team: str, installer: str) -> None:
    """`installer` installs ogpbot in workspace `team` through the install flow."""
    async with d.http.get(d.url + "/slack/install", allow_redirects=False) as sent:
        [state] = parse_qs(urlsplit(sent.headers["Location"]).query)["state"]
        cookie = sent.headers["Set-Cookie"].split(";")[0]
    async with d.http.get(d.url + "/slack/oauth_redirect",
                          params={"code": d.fake.authorize(team, installer), "state": state},
                          headers={"Cookie": cookie}) as back:
        assert back.status == 200, await back.text()


@pytest.mark.parametrize("served", ["", f"{KMD},{NGO}"], ids=["team-unset", "ngo-listed"])
async def test_an_address_counts_only_from_a_workspace_the_operator_vouched_for(
        tmp_path: Path, served: str) -> None:
    """The install flow is open; KMD's is `SLACK_BOT_TOKEN`'s workspace. The NGO installs
    ogpbot through the flow, and one of its members (Mallory) shows Kari's address. With
    `SLACK_TEAM_ID` unset nobody vouched for the NGO's workspace: Mallory is civil society,
    refused the coordinator's words in her own language, and a notice to Kari is not sent
    to her. Listed in `SLACK_TEAM_ID`, the NGO's word counts: the same address is Kari."""
    async with deployment(tmp_path, served=served, bot_token=TOKENS[KMD]) as d:
        d.fake.oauth_app("1.2", "made-up")
        d.fake.add_user(MALLORY, email="kari.nordmann@example.org", team_id=NGO,
                        locale="nn-NO", real_name="Mallory")
        await install(d, NGO, MALLORY)
        for account in (KARI, KARI_IN_NGO):  # Kari's own accounts are not there (yet)
            d.fake.users.pop(account)
        found = await notifiers_of(d.app)["slack"].find_user("kari.nordmann@example.org")
        await d.accepted("event_message_im_outsider.json", via=NGO,
                         event={"user": MALLORY, "channel": "D0MALLORY1",
                                "text": "decide P-1 agreed Godt forslag"})
        [answer] = await d.calls("chat.postMessage")
        assert d.team_of(answer) == NGO
        said = json.dumps(answer.args, ensure_ascii=False)
        refusal = t("nn", "error.not_allowed", word="decide",
                    role=t("nn", "role.civil_society"), who="\0").split("\0")[0]
        await d.accepted("event_message_im_outsider.json", via=NGO, event_id="Ev0MALLORY2",
                         event={"user": MALLORY, "channel": "D0MALLORY1", "text": "help"})
        helped = json.dumps((await d.calls("chat.postMessage", 2))[1].args, ensure_ascii=False)
        mallory = d.runtime.bot.records.person_by_platform("slack", MALLORY)
        kari = d.runtime.bot.records.person_by_email("kari.nordmann@example.org")
        assert mallory is not None and kari is not None
        if served:  # a workspace the operator listed: its member's address is Kari's
            assert found == MALLORY
            assert refusal not in said and help_title("nn", "coordinator") in helped
            assert mallory.key == kari.key and kari.role.value == "coordinator"
            return
        assert found is None
        assert refusal in said and help_title("nn", "civil_society") in helped
        assert not mallory.on_roster and mallory.email is None
        assert mallory.role.value == "civil_society"
        assert "slack" not in kari.platform_ids
        assert d.runtime.bot.records.proposals() == []
        # Kari joins KMD's workspace, SLACK_BOT_TOKEN's: there her address is hers
        d.fake.add_user(KARI, email="kari.nordmann@example.org", team_id=KMD, locale="nb-NO")
        await d.accepted("event_app_mention_connect_host_elsewhere.json")
        [answer] = await d.calls("chat.postEphemeral")
        assert d.team_of(answer) == KMD
        assert help_title("nb", "coordinator") in answer.args["text"]


async def test_an_answer_goes_with_a_renewed_token_when_the_old_one_runs_out_soon(
        tmp_path: Path) -> None:
    """KMD installs ogpbot through the install flow with token rotation on: Slack's token comes
    with a refresh token and an expiry, both kept sealed. One that runs out within two hours
    is renewed before the answer needs it, and the new one kept; the old one no longer
    works at Slack."""
    async with deployment(tmp_path, served=KMD) as d:
        d.fake.oauth_app("1.2", "made-up", rotating=True, expires_in=3600)
        await install(d, KMD, KARI)
        [first] = d.fake.tokens  # it has an hour left; Slack's next ones last twelve
        d.fake.oauth_app("1.2", "made-up", rotating=True, expires_in=43200)
        [kept] = d.runtime.store.all(INSTALLATIONS)
        assert set(kept["sealed"]) == {"bot_token", "bot_refresh_token"}
        assert kept["bot_token_expires_at"] <= time.time() + 3600
        assert first not in json.dumps(kept) and "xoxe" not in json.dumps(kept)

        await d.accepted("event_message_im_outsider.json")
        [dm] = await d.calls("chat.postMessage")
        renewals = [c for c in d.fake.calls_to("oauth.v2.access", ok=True)
                    if c.args.get("grant_type") == "refresh_token"]
        assert len(renewals) == 1 and renewals[0].args["refresh_token"].startswith("xoxe")
        [renewed] = d.fake.tokens
        assert renewed != first
        assert dm.headers["Authorization"] == f"Bearer {renewed}" and d.team_of(dm) == KMD
        [kept] = d.runtime.store.all(INSTALLATIONS)
        assert kept["bot_token_expires_at"] > time.time() + 40000
        assert renewed not in json.dumps(kept)
        # the next request finds the renewed token good for twelve hours: no second renewal
        await d.accepted("event_message_im_outsider.json", event_id="Ev0DMKMD0002")
        await d.calls("chat.postMessage", 2)
        assert len(d.fake.calls_to("oauth.v2.access", ok=True)) == 2  # the install, one renewal


async def test_uninstalling_forgets_the_workspace(tmp_path: Path) -> None:
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO)) as d:
        await d.send("event_message_im_outsider.json", event_id="Ev0DMNGO0001", via=NGO)
        await d.calls("chat.postMessage")
        await d.accepted("event_app_uninstalled.json")
        teams = {doc["team_id"] for doc in d.runtime.store.all(INSTALLATIONS)}
        assert teams == {KMD}
        with pytest.raises(DeliveryError) as failed:
            await notifiers_of(d.app)["slack"].direct(ANDERS, Reply(language="nn",
                                                                    title="Bordet"))
        assert failed.value.permanent


async def test_a_revoked_bot_token_forgets_the_workspace(tmp_path: Path) -> None:
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO)) as d:
        await d.accepted("event_tokens_revoked.json")
        assert {doc["team_id"] for doc in d.runtime.store.all(INSTALLATIONS)} == {KMD}


async def test_a_persons_revoked_token_leaves_the_bot_installed(tmp_path: Path) -> None:
    """`tokens_revoked` for a person's own token (the bot keeps none) changes nothing."""
    async with deployment(tmp_path, served=f"{KMD},{NGO}", installed=(KMD, NGO)) as d:
        body = d.payload("event_tokens_revoked.json")
        body["event"]["tokens"] = {"oauth": [ANDERS], "bot": []}
        assert (await d.post(body))[0] == 200
        assert {doc["team_id"] for doc in d.runtime.store.all(INSTALLATIONS)} == {KMD, NGO}
        await d.accepted("event_message_im_outsider.json", event_id="Ev0DMNGO0001", via=NGO)
        [dm] = await d.calls("chat.postMessage")
        assert d.team_of(dm) == NGO


# ------------------------------------------------------------------ only people

def one_workspace(folder: Path) -> contextlib.AbstractAsyncContextManager[Deployment]:
    """ogpbot in KMD's workspace alone, with SLACK_BOT_TOKEN."""
    return deployment(folder, served=KMD, bot_token=TOKENS[KMD], oauth=False)


@pytest.mark.parametrize("name", [
    "event_message_im_slackbot.json",  # "You have been removed from #…"
    "event_message_im_other_bot.json",  # another app's bot writes in the bot's DM
    "event_app_mention_other_bot.json",  # another app's bot mentions the bot
    "event_message_im_own.json",  # the bot's own message
    "event_message_im_changed.json",  # a person's edit: not something they asked
])
async def test_no_answer_to_anyone_but_a_person(tmp_path: Path, name: str) -> None:
    async with one_workspace(tmp_path) as d:
        people = len(d.runtime.bot.records.people())
        await d.accepted(name)
        await d.send("event_message_im_outsider.json")  # a person, after: answered
        [dm] = await d.calls("chat.postMessage")
        assert dm.args["channel"] == "D0ANDERS01"
        assert d.fake.calls_to("chat.postEphemeral") == []
        assert len(d.runtime.bot.records.people()) == people  # Anders was on the roster
        for sender in ("USLACKBOT", "U0OTHERBOT", "U0OGPBOT1"):
            assert d.runtime.bot.records.person_by_platform("slack", sender) is None
        assert len(d.runtime.store.all("inbox")) == 1  # Anders's message alone


async def test_a_message_with_a_file_is_a_person_writing(tmp_path: Path) -> None:
    """A subtype Slack gives a person's own message (a file shared with words) is answered."""
    async with one_workspace(tmp_path) as d:
        await d.accepted("event_message_im_file_share.json")
        [dm] = await d.calls("chat.postMessage")
        assert dm.args["channel"] == "D0ANDERS01"
        assert help_title("nn", "civil_society") in json.dumps(dm.args, ensure_ascii=False)


async def test_slackbot_opening_the_home_tab_draws_nothing(tmp_path: Path) -> None:
    async with one_workspace(tmp_path) as d:
        await d.accepted("event_app_home_opened.json", event={"user": "USLACKBOT"})
        await d.accepted("event_app_home_opened.json")
        [published] = await d.calls("views.publish")
        assert published.args["user_id"] == ANDERS and d.team_of(published) == KMD


async def test_the_url_check_is_answered_without_any_workspace(tmp_path: Path) -> None:
    async with one_workspace(tmp_path) as d:
        status, text = await d.send("url_verification.json")
        assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text
