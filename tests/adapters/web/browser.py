"""The public pages in a real browser: Debian's headless Chromium (which `make test` installs)
and Deque's axe-core (npm), for the tests of the record's and the plan's pages.

- `dump_dom(url)`: the DOM Chromium builds for a page, after it has loaded.
- `fetch(server, path)`: a page as the server serves it.
- `check_pages(pages, folder, widths)`: many pages at once, in one Chromium: each page is
  loaded in a frame of each width (a frame is the page's viewport, so the page's own media
  queries apply as on a phone; a headless window cannot be narrower than 500 px), where it
  measures itself (how wide the document is, what scrolls sideways, where each proposal's
  status and reasoned response are) and, with `axe`, runs axe-core.

A served page's Content-Security-Policy rightly refuses every script, so the pages are
fetched, copied into a folder beside axe and the measuring script, and opened from there.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from tests.record.world import ROOT, parse_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
TIMEOUT = 60
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NO_CHROMIUM = "chromium is not installed (make test installs it where apt-get is available)"
NO_AXE = "axe-core is not installed (make test installs it with npm where npm is available)"


async def dump_dom(url: str, *extra: str, within: float = TIMEOUT) -> str:
    """The DOM Chromium builds for `url`, serialised after the page has loaded."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="ogpbot-chromium-") as profile:
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM, *FLAGS, *extra, f"--user-data-dir={profile}", "--dump-dom", url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), within)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    assert out.strip(), "chromium printed no DOM"
    return out.decode()


async def fetch(server: TestServer, path: str, headers: dict[str, str] | None = None) -> str:
    async with ClientSession() as session, \
            session.get(server.make_url(path), headers=headers or {}) as response:
        return await response.text()


# What each page does in its frame once loaded: measure itself, run axe-core when it is there,
# and leave the result in `window.ogpbotChecked` for the runner.
_MEASURE = """<script>
(function () {
  function where(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "");
  }
  function shown(el) { return el.getClientRects().length > 0; }
  function measure() {
    var root = document.documentElement, view = window.innerWidth, sideways = [];
    Array.prototype.forEach.call(document.querySelectorAll("body *"), function (el) {
      var x = getComputedStyle(el).overflowX;
      if ((x === "auto" || x === "scroll") && shown(el) && el.scrollWidth > el.clientWidth + 1)
        sideways.push(where(el));
    });
    var facts = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-status], .response"),
      function (el) {
        if (!shown(el)) return;
        var box = el.getBoundingClientRect();
        facts.push({what: el.hasAttribute("data-status") ? "status" : "response",
                    left: box.left, right: box.right, top: box.top + window.scrollY});
      });
    var out = [];  // the innermost elements that reach past the right edge, to say where
    Array.prototype.forEach.call(document.querySelectorAll("body *"), function (el) {
      if (out.length < 5 && shown(el) && el.getBoundingClientRect().right > view + 0.5 &&
          !Array.prototype.some.call(el.children, function (c) {
            return shown(c) && c.getBoundingClientRect().right > view + 0.5; }))
        out.push(where(el) + " " + Math.round(el.getBoundingClientRect().right) + "px");
    });
    return {width: Math.max(root.scrollWidth, document.body.scrollWidth), viewport: view,
            sideways: sideways, facts: facts, out: out};
  }
  window.addEventListener("load", function () {
    var result = measure();
    if (!window.axe) { window.ogpbotChecked = result; return; }
    axe.run(document, {runOnly: {type: "tag", values: %s}}).then(function (r) {
      result.axe = r.violations.map(function (v) {
        return {id: v.id, nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
      });
      window.ogpbotChecked = result;
    });
  });
})();
</script></body>"""

# The runner: loads each page in a frame of each width, one after another, and writes what
# each found into <pre id="checked">.
_RUNNER = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre id="checked">
</pre><script>
var jobs = %s, results = [], frame = null;
function next() {
  if (frame) { frame.remove(); frame = null; }
  if (!jobs.length) {
    document.getElementById("checked").textContent = JSON.stringify(results); return;
  }
  var job = jobs.shift();
  frame = document.createElement("iframe");
  frame.style.width = job.width + "px"; frame.style.height = "800px"; frame.style.border = "0";
  frame.src = job.file;
  document.body.appendChild(frame);
  (function wait() {
    var got = null;
    try { got = frame.contentWindow.ogpbotChecked; } catch (e) { got = {error: String(e)}; }
    if (got) { got.name = job.name; got.frame = job.width; results.push(got); next(); }
    else setTimeout(wait, 20);
  })();
}
next();
</script></body></html>"""


@dataclass(frozen=True)
class Checked:
    """What one page measured of itself in a frame `frame` pixels wide."""

    name: str
    frame: int
    width: int  # the document's width: more than the frame means scrolling sideways
    viewport: int
    sideways: list[str]  # elements that scroll sideways inside the page
    facts: list[dict[str, Any]]  # where each status and reasoned response is shown
    out: list[str]  # the elements (at most five) that reach past the right edge
    axe: list[dict[str, Any]] | None


async def check_pages(pages: dict[str, str], folder: Path, widths: tuple[int, ...],
                      axe: bool = False) -> dict[tuple[str, int], Checked]:
    """Each page (name -> its HTML as served) measured, and with `axe` checked by axe-core,
    in a frame of each width; all in one Chromium."""
    if axe:
        shutil.copy(AXE, folder / "axe.min.js")
    jobs = []
    for n, (name, html) in enumerate(pages.items()):
        script = (('<script src="axe.min.js"></script>' if axe else "")
                  + _MEASURE % json.dumps(AXE_TAGS))
        (folder / f"page{n}.html").write_text(html.replace("</body>", script),
                                              encoding="utf-8")
        jobs += [{"name": name, "file": f"page{n}.html", "width": w} for w in widths]
    (folder / "runner.html").write_text(_RUNNER % json.dumps(jobs), encoding="utf-8")
    budget = 60_000 + len(jobs) * (20_000 if axe else 2_000)
    dom = parse_html(await dump_dom(
        (folder / "runner.html").as_uri(), "--allow-file-access-from-files",
        "--window-size=1400,1000", f"--virtual-time-budget={budget}",
        within=TIMEOUT + len(jobs) * (6 if axe else 1)))
    found = dom.by_id("checked")
    assert found is not None and found.text(), "the pages were not all checked"
    out = {}
    for r in json.loads(found.text()):
        assert "error" not in r, r
        out[(r["name"], r["frame"])] = Checked(r["name"], r["frame"], r["width"],
                                               r["viewport"], r["sideways"], r["facts"],
                                               r["out"], r.get("axe"))
    return out
