"""The action plan's pages as a person meets them in Chromium: readable without JavaScript
(no script, the progress bar and timeline in plain HTML) and with no WCAG 2 A/AA violation
that Deque's axe-core finds."""

from __future__ import annotations

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from tests.adapters.web.test_record_browser import AXE, CHROMIUM, axe_violations, dump_dom
from tests.record.plan_world import make_plan_runtime
from tests.record.world import parse_html

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test "
                                                "installs it where apt-get is available)"),
]


@pytest_asyncio.fixture
async def server():
    async with TestServer(build_app(make_plan_runtime()), host="127.0.0.1") as s:
        yield s


async def test_a_person_reads_the_plan_and_follows_a_commitment(server):
    plan = parse_html(await dump_dom(str(server.make_url("/plan"))))
    assert plan.all("script") == []
    assert plan.one("h1").text() == "Handlingsplanen og gjennomføringen"
    link = plan.all("section")[1].one("a").attrs["href"]
    page = parse_html(await dump_dom(str(server.make_url(link))))
    assert page.one("h1").text() == "P-10: Åpne møtekalendere"
    assert page.one("progress").attrs["value"] == "1"


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test installs it "
                                             "with npm where npm is available)")
@pytest.mark.parametrize("path", ["/plan", "/plan?lang=nn", "/plan?lang=en", "/proposals/P-10"])
async def test_axe_finds_no_violation_on_the_plan(server, tmp_path, path):
    assert await axe_violations(server, tmp_path, path) == []
