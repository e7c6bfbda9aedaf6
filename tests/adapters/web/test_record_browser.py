"""What a person sees: the public record loaded in headless Chromium (Debian's `chromium`,
which `make test` installs) from the real server on 127.0.0.1: the table, a filter applied
through its shareable link, and one proposal's page."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from tests.record.world import (
    HOSTILE_REASON,
    HOSTILE_TITLE,
    ROOT,
    make_runtime,
    parse_html,
    table_rows,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
TIMEOUT = 60

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test "
                                                "installs it where apt-get is available)"),
]


@pytest_asyncio.fixture
async def server():
    async with TestServer(build_app(make_runtime()), host="127.0.0.1") as s:
        yield s


async def dump_dom(url: str, *extra: str) -> str:
    """The DOM Chromium builds for `url`, serialised after the page has loaded."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="ogpbot-chromium-") as profile:
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM, *FLAGS, *extra, f"--user-data-dir={profile}", "--dump-dom", url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    assert out.strip(), "chromium printed no DOM"
    return out.decode()


async def test_a_person_sees_the_record_a_filter_and_a_proposal(server):
    home = parse_html(await dump_dom(str(server.make_url("/"))))
    assert home.one("h1").text() == "Innspill til handlingsplanen og begrunnede svar"
    rows = table_rows(home.one("table"))
    assert [r[0] for r in rows] == [f"P-{n}" for n in range(1, 10)]
    assert rows[0][1] == HOSTILE_TITLE  # shown as text: no script element came of it
    assert rows[7][7] == HOSTILE_REASON
    assert home.all("script") == []

    # the filter form is a plain GET form: applying it is loading this link
    form = home.one("form")
    assert form.attrs["method"] == "get"
    filtered = parse_html(await dump_dom(str(server.make_url("/?status=included&lang=en"))))
    assert filtered.one("html").attrs["lang"] == "en"
    assert [r[0] for r in table_rows(filtered.one("table"))] == ["P-7"]
    assert filtered.by_id("count").text() == "Showing 1 of 9 proposals."
    selected = [o.text() for o in filtered.by_id("filter-status").all("option")
                if "selected" in o.attrs]
    assert selected == ["included in the plan"]

    link = table_rows(home.one("table"))[4]
    assert link[1] == "Varslervern i staten"
    href = home.one("tbody").all("a")[4].attrs["href"]
    proposal = parse_html(await dump_dom(str(server.make_url(href))))
    assert proposal.one("h1").text() == "P-5: Varslervern i staten"
    history = table_rows(proposal.all("table")[-1])
    assert history[-1][2] == "avtalte bilateralt møte torsdag 10. desember 2026 kl. 14:00"
    assert [h[3] for h in history] == ["innsendt", "presentert", "til diskusjon",
                                       "bilateralt møte", "bilateralt møte"]


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_RUN_AXE = """<script src="axe.min.js"></script><script>
axe.run(document, {runOnly: {type: "tag", values: %s}}).then(function (r) {
  var out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
  }));
  document.body.appendChild(out);
});
</script></body>"""


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test installs it "
                                             "with npm where npm is available)")
@pytest.mark.parametrize("path", ["/", "/?lang=en&status=banana", "/proposals/P-1?lang=en",
                                  "/proposals/P-7", "/proposals/P-7?lang=nn",
                                  "/proposals/P-8", "/proposals/P-99"])
async def test_axe_finds_no_wcag_a_or_aa_violation(server, tmp_path, path):
    assert await axe_violations(server, tmp_path, path) == []


async def axe_violations(server: TestServer, folder: Path, path: str) -> list[object]:
    """What Deque's axe-core, run in Chromium, finds on the page at `path` as served (copied
    beside axe into `folder`, since the served page's Content-Security-Policy rightly refuses
    every script)."""
    async with ClientSession() as session, session.get(server.make_url(path)) as response:
        page = await response.text()
    shutil.copy(AXE, folder / "axe.min.js")
    (folder / "page.html").write_text(
        page.replace("</body>", _RUN_AXE % json.dumps(AXE_TAGS)), encoding="utf-8")
    dom = parse_html(await dump_dom((folder / "page.html").as_uri(),
                                    "--allow-file-access-from-files",
                                    "--virtual-time-budget=10000"))
    result = dom.by_id("axe-result")
    assert result is not None, "axe did not finish"
    return list(json.loads(result.text()))
