"""The action plan's pages as a person meets them in Chromium: readable without JavaScript
(no script, the progress bar and timeline in plain HTML). Their axe-core check, at a phone's
width and a desktop's in every language, is in `test_pages_on_a_phone`."""

from __future__ import annotations

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from tests.adapters.web.browser import CHROMIUM, NO_CHROMIUM, dump_dom
from tests.record.plan_world import make_plan_runtime
from tests.record.world import parse_html

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]


@pytest_asyncio.fixture
async def server():
    async with TestServer(build_app(make_plan_runtime()), host="127.0.0.1") as s:
        yield s


async def test_a_person_reads_the_plan_and_follows_a_commitment(server):
    plan = parse_html(await dump_dom(str(server.make_url("/plan")), "--accept-lang=nb-NO"))
    assert plan.all("script") == []
    assert plan.one("h1").text() == "Handlingsplanen og gjennomføringen"
    link = plan.all("section")[1].one("a").attrs["href"]
    page = parse_html(await dump_dom(str(server.make_url(link))))
    assert page.one("h1").text() == "P-10: Åpne møtekalendere"
    assert page.one("progress").attrs["value"] == "1"

