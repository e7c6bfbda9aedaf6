"""Installing ogpbot in several Slack workspaces through Slack's OAuth flow: `/slack/install`
sends the browser to Slack's authorisation page with a state, `/slack/oauth_redirect` takes
the code Slack gives back (from the local fake of `oauth.v2.access`) only with that state, in
the browser it was given to, once; the workspace's token is kept sealed in the store; the page
says what happened in the reader's language. `serve` refuses settings that cannot work."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from adapters.sealing import new_key
from adapters.server import build_app
from adapters.slack.installations import INSTALLATIONS
from adapters.slack.oauth import SCOPES
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.settings import Settings
from bot.i18n.catalogue import t
from bot.store.memory import MemoryStore
from bot.store.tinydb_file import TinyDBStore
from tests.adapters.web.browser import AXE, CHROMIUM, NO_AXE, NO_CHROMIUM, check_pages
from tests.fakes.slack_api import FakeSlackAPI
from tests.serving import ROOT, ServeProcess, free_port

pytestmark = pytest.mark.asyncio
CLIENT_ID, CLIENT_SECRET = "1111.2222", "made-up-client-secret"
NGO, NGO_NAME = "T0NGO0001", "Frivillighet Norge"
MINISTRY = "T0KMD0001"
COOKIE = "slack-app-oauth-state"
UNVOUCHED = "e-mail identifies no one from workspaces it does not list"


def env_for(fake: FakeSlackAPI, folder: Path, **more: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "OGPBOT_", "Microsoft"))}
    return {**keep, "OGPBOT_DB": str(folder / "ogpbot.json"), "SLACK_API_URL": fake.url,
            "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": "made-up-signing-secret", "OGPBOT_SECRET_KEY": new_key(),
            **more}


@dataclass
class Browser:
    """A browser at ogpbot's address: it remembers the state's cookie as a browser would (over
    https; the test speaks plain http on loopback, so it carries the cookie itself)."""

    http: aiohttp.ClientSession
    url: str
    cookie: str | None = None
    language: str = "nn-NO,nn;q=0.9,en;q=0.5"

    async def install(self) -> str:
        """GET /slack/install: where it sends the browser (Slack's page), the state kept."""
        async with self.http.get(self.url + "/slack/install", allow_redirects=False) as answer:
            assert answer.status == 302
            location = answer.headers["Location"]
            cookie = answer.headers["Set-Cookie"]
        assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "Secure" in cookie
        self.cookie = cookie.split(";")[0]
        return location

    async def back(self, **query: str) -> tuple[int, str]:
        """Slack sends the browser back to /slack/oauth_redirect with `query`."""
        headers = {"Accept-Language": self.language}
        if self.cookie:
            headers["Cookie"] = self.cookie
        async with self.http.get(self.url + "/slack/oauth_redirect", params=query,
                                 headers=headers, allow_redirects=False) as answer:
            return answer.status, await answer.text()


def on_disk(folder: Path) -> str:
    """Every byte of the store's files (the file, its journal), as text."""
    return "".join(p.read_text(errors="replace") for p in folder.glob("ogpbot.json*"))


def state_of(location: str) -> str:
    [state] = parse_qs(urlsplit(location).query)["state"]
    return state


# ------------------------------------------------------------ the whole flow, `ogpbot serve`

async def test_a_workspace_installs_the_bot_through_ogpbot_serve(tmp_path: Path) -> None:
    async with FakeSlackAPI() as fake, aiohttp.ClientSession() as http:
        fake.oauth_app(CLIENT_ID, CLIENT_SECRET)
        fake.add_workspace(NGO, NGO_NAME)
        env = env_for(fake, tmp_path)
        server = ServeProcess(env, tmp_path / "serve.log")
        await server.start(http)
        try:
            browser = Browser(http, server.url)
            location = await browser.install()
            page = urlsplit(location)
            asked = parse_qs(page.query)
            assert (page.scheme, page.netloc, page.path) == ("https", "slack.com",
                                                             "/oauth/v2/authorize")
            assert asked["client_id"] == [CLIENT_ID]
            assert set(asked["scope"][0].split(",")) == set(SCOPES)
            state = state_of(location)

            code = fake.authorize(NGO, "U0ANDERS1")  # Anders allows the app on Slack's page
            status, body = await browser.back(code=code, state=state)
            assert status == 200, body
            assert '<html lang="nn">' in body
            assert t("nn", "slack.installed", workspace=NGO_NAME) in body
            [token] = fake.tokens
            assert fake.tokens[token] == NGO

            # the same answer again (a reload, or someone who saw the address): nothing more
            again, body = await browser.back(code=code, state=state)
            assert again == 400 and t("nn", "slack.install_stale") in body
            log = (tmp_path / "serve.log").read_text()
            assert "installs at GET /slack/install" in log
            # SLACK_TEAM_ID unset: serve says once that e-mail names no one from elsewhere
            assert log.count(UNVOUCHED) == 1
        finally:
            server.stop()
        store = TinyDBStore(tmp_path / "ogpbot.json", readonly=True)
        try:
            [kept] = store.all(INSTALLATIONS)
        finally:
            store.close()
        assert kept["team_id"] == NGO and kept["team_name"] == NGO_NAME
        written = on_disk(tmp_path)
        assert NGO_NAME in written and token not in written  # sealed with OGPBOT_SECRET_KEY
        assert fake.calls_to("oauth.v2.access", ok=True)
        assert fake.calls_to("auth.test", ok=True)


# ------------------------------------------------------------ the same server, in this process

@dataclass
class Deployment:
    browser: Browser
    fake: FakeSlackAPI
    runtime: Runtime


@pytest_asyncio.fixture
async def deployment() -> AsyncIterator[Deployment]:
    async with FakeSlackAPI() as fake:
        fake.oauth_app(CLIENT_ID, CLIENT_SECRET)
        fake.add_workspace(NGO, NGO_NAME)
        fake.add_workspace(MINISTRY, "KMD")
        async with running(fake, SLACK_TEAM_ID=f"{MINISTRY}, {NGO}") as ready:
            yield ready


@pytest_asyncio.fixture
async def narrow() -> AsyncIterator[Deployment]:
    """A deployment that serves the ministry's workspace only."""
    async with FakeSlackAPI() as fake:
        fake.oauth_app(CLIENT_ID, CLIENT_SECRET)
        fake.add_workspace(NGO, NGO_NAME)
        async with running(fake, SLACK_TEAM_ID=MINISTRY) as ready:
            yield ready


@contextlib.asynccontextmanager
async def running(fake: FakeSlackAPI, **env: str) -> AsyncIterator[Deployment]:
    """ogpbot's server in this process, with the install flow on, Slack at `fake` (`env`:
    more of the environment, by the contract's names)."""
    clock = FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    runtime = Runtime.open(Settings(seminar="data/seminar.toml", env={
        "SLACK_API_URL": fake.url, "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": "made-up",
        "OGPBOT_SECRET_KEY": new_key(), **env}), clock, MemoryStore())
    server = TestServer(build_app(runtime), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            yield Deployment(Browser(http, str(server.make_url("")).rstrip("/")), fake, runtime)
    finally:
        await server.close()


async def test_the_warning_goes_when_slack_team_id_lists_the_workspaces(
        narrow: Deployment, caplog: pytest.LogCaptureFixture) -> None:
    async with running(narrow.fake, SLACK_TEAM_ID=MINISTRY):
        assert not any(UNVOUCHED in m for m in caplog.messages)
    async with running(narrow.fake):
        assert sum(UNVOUCHED in m for m in caplog.messages) == 1


async def test_two_workspaces_install_the_bot_side_by_side(deployment: Deployment) -> None:
    for team, installer in ((MINISTRY, "U0KARI001"), (NGO, "U0ANDERS1")):
        state = state_of(await deployment.browser.install())
        status, _ = await deployment.browser.back(code=deployment.fake.authorize(team, installer),
                                                  state=state)
        assert status == 200
    kept = {doc["team_id"]: doc for doc in deployment.runtime.store.all(INSTALLATIONS)}
    assert set(kept) == {MINISTRY, NGO}
    assert kept[NGO]["installer"] == "U0ANDERS1"
    assert set(deployment.fake.tokens.values()) == {MINISTRY, NGO}


async def test_the_state_must_come_back_in_the_browser_it_was_given_to(
        deployment: Deployment) -> None:
    state = state_of(await deployment.browser.install())
    code = deployment.fake.authorize(NGO, "U0ANDERS1")
    stranger = Browser(deployment.browser.http, deployment.browser.url, language="en")
    status, body = await stranger.back(code=code, state=state)  # no cookie: another browser
    assert status == 400 and t("en", "slack.install_stale") in body
    status, body = await deployment.browser.back(code=code, state="made-up-state")
    assert status == 400
    assert deployment.runtime.store.all(INSTALLATIONS) == []
    assert not deployment.fake.calls_to("oauth.v2.access")  # no code was exchanged


async def test_a_state_runs_out_after_ten_minutes(deployment: Deployment) -> None:
    from datetime import timedelta

    state = state_of(await deployment.browser.install())
    clock = deployment.runtime.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(minutes=10, seconds=1))
    status, _ = await deployment.browser.back(code=deployment.fake.authorize(NGO, "U0A"),
                                              state=state)
    assert status == 400
    assert deployment.runtime.store.all(INSTALLATIONS) == []


@pytest.mark.parametrize(("lang", "accept"), [("nb", "nb-NO"), ("nn", "nn"), ("en", "en-GB")])
async def test_cancelling_on_slacks_page_says_so_in_the_readers_language(
        deployment: Deployment, lang: str, accept: str) -> None:
    deployment.browser.language = accept
    state = state_of(await deployment.browser.install())
    status, body = await deployment.browser.back(error="access_denied", state=state)
    assert status == 200
    assert f'<html lang="{lang}">' in body and t(lang, "slack.install_cancelled") in body
    assert t(lang, "slack.install_again") in body and 'href="/slack/install"' in body
    assert deployment.runtime.store.all(INSTALLATIONS) == []


async def test_a_code_slack_does_not_know_installs_nothing(deployment: Deployment) -> None:
    state = state_of(await deployment.browser.install())
    status, body = await deployment.browser.back(code="made-up-code", state=state)
    assert status == 400 and t("nn", "slack.install_failed") in body
    assert deployment.runtime.store.all(INSTALLATIONS) == []


async def test_a_workspace_not_served_is_refused_and_its_token_given_back(
        narrow: Deployment) -> None:
    state = state_of(await narrow.browser.install())
    status, body = await narrow.browser.back(code=narrow.fake.authorize(NGO, "U0ANDERS1"),
                                             state=state)
    assert status == 403
    assert t("nn", "slack.install_not_served", workspace=NGO_NAME) in body
    assert narrow.runtime.store.all(INSTALLATIONS) == []
    assert narrow.fake.tokens == {}  # revoked at once
    assert narrow.fake.calls_to("auth.revoke", ok=True)


# ------------------------------------------------------------ what serve refuses

@pytest.mark.parametrize(("more", "says"), [
    ({"OGPBOT_SECRET_KEY": ""}, "OGPBOT_SECRET_KEY, which is not set"),
    ({"OGPBOT_SECRET_KEY": "hunter2"}, "OGPBOT_SECRET_KEY is not a Fernet key"),
    ({"SLACK_CLIENT_SECRET": ""}, "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not"),
    ({"SLACK_CLIENT_ID": ""}, "SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not"),
    ({"SLACK_SIGNING_SECRET": ""}, "needs SLACK_SIGNING_SECRET"),
])
async def test_serve_refuses_an_install_flow_that_cannot_keep_tokens_safe(
        tmp_path: Path, more: dict[str, str], says: str) -> None:
    async with FakeSlackAPI() as fake:
        env = env_for(fake, tmp_path, **more)
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "adapters.cli", "serve", "--port",
                         str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    [sentence] = done.stderr.strip().splitlines()  # one sentence, no traceback
    assert sentence.startswith("ogpbot: ") and sentence.endswith(".") and says in sentence
    assert "hunter2" not in sentence
    assert not (tmp_path / "ogpbot.json").exists()  # refused before anything was opened


# ------------------------------------------------------------ the pages, in Chromium with axe

@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
@pytest.mark.skipif(not AXE.exists(), reason=NO_AXE)
async def test_the_install_pages_fit_a_phone_with_no_axe_violation(tmp_path: Path) -> None:
    async with FakeSlackAPI() as fake, running(fake) as ready:
        browser = ready.browser
        pages = {}
        for path in ("/slack/oauth_redirect?error=access_denied",
                     "/slack/oauth_redirect?lang=en",
                     "/slack/oauth_redirect?error=access_denied&lang=nn"):
            async with browser.http.get(browser.url + path) as answer:
                pages[path] = await answer.text()
    checked = await check_pages(pages, tmp_path, (320,), axe=True)
    for (name, _), page in checked.items():
        assert page.width <= page.viewport, (name, page.out)  # no scrolling sideways
        assert page.axe == [], (name, page.axe)
