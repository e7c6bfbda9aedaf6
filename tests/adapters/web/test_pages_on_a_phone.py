"""Every kind of public page in Chromium, as on a phone (a viewport 320 CSS pixels wide) and on
a desktop (1280), in bokmål, nynorsk and English: nothing scrolls sideways (WCAG 2.1, 1.4.10),
each proposal's status and reasoned response are in view without scrolling sideways (and near
the top of a proposal's own page), and Deque's axe-core finds no WCAG 2.1 A or AA violation.

The record holds a proposal in every state, hostile text, a commitment under way, one imported
from an adopted plan, and an English proposal whose title is one long word and whose reasoned
response is one long address."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from adapters.web.pages import message_page
from bot.i18n.catalogue import t
from tests.adapters.web.browser import (
    AXE,
    CHROMIUM,
    NO_AXE,
    NO_CHROMIUM,
    Checked,
    check_pages,
    fetch,
)
from tests.record.plan_world import LONG_ADDRESS, LONG_WORD, make_full_runtime

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]

# Every kind of page: the record (whole, filtered, refused), a proposal in each kind of state
# (submitted with hostile text, in a bilateral meeting, included with versions and notes,
# excluded, a commitment under way, one imported, one with long words), the plan, the
# accessibility statement, and a number no proposal has.
PAGES = ("/", "/?status=included", "/?status=banana", "/proposals/P-1", "/proposals/P-5",
         "/proposals/P-7", "/proposals/P-8", "/proposals/P-10", "/proposals/P-11",
         "/proposals/P-12", "/plan", "/accessibility", "/proposals/P-99")
LANGUAGES = ("nb", "nn", "en")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pages() -> dict[str, str]:
    """Every page kind in every language, as served."""
    runtime = make_full_runtime()
    async with TestServer(build_app(runtime), host="127.0.0.1") as server:
        served = {f"{path} [{lang}]": await fetch(server, path + ("&" if "?" in path else "?")
                                                   + f"lang={lang}")
                  for path in PAGES for lang in LANGUAGES}
    # the page that tells one thing (how installing the bot in a Slack workspace went)
    for lang in LANGUAGES:
        served[f"message [{lang}]"] = message_page(
            runtime.seminar, lang, t(lang, "a11y.title"), [LONG_ADDRESS, LONG_WORD],
            (t(lang, "record.back"), f"/?lang={lang}"))
    return served


def _problems(checked: dict[tuple[str, int], Checked]) -> dict[str, object]:
    problems: dict[str, object] = {}
    for (name, frame), c in checked.items():
        where = f"{name} at {frame}px"
        assert c.viewport == frame, f"{where}: the frame's viewport is {c.viewport}px"
        if c.width > frame:
            problems[where] = f"{c.width}px wide: {', '.join(c.out)}"
        if c.sideways:
            problems[where + " scrolls sideways inside"] = c.sideways
        hidden = [f for f in c.facts if f["left"] < 0 or f["right"] > frame + 0.5]
        if hidden:
            problems[where + " status or response out of view"] = hidden
        if c.axe:
            problems[where + " axe"] = c.axe
    return problems


@pytest.mark.asyncio(loop_scope="module")
async def test_no_page_scrolls_sideways_on_a_phone(pages, tmp_path: Path):
    checked = await check_pages(pages, tmp_path, (320, 1280))
    assert _problems(checked) == {}
    for lang in LANGUAGES:
        # the record on a phone: a card for each proposal, its status and response in view
        record = checked[(f"/ [{lang}]", 320)]
        assert [f["what"] for f in record.facts] == ["status", "response"] * 12
        # on a desktop the table, with the same two columns in view
        assert [f["what"] for f in checked[(f"/ [{lang}]", 1280)].facts] == \
            ["status", "response"] * 12
        # a proposal's status and reasoned response come first, within the first screen
        for path in ("/proposals/P-1", "/proposals/P-12"):
            facts = checked[(f"{path} [{lang}]", 320)].facts
            assert [f["what"] for f in facts][:2] == ["status", "response"]
            assert max(f["top"] for f in facts[:2]) < 800, (path, lang, facts[:2])


@pytest.mark.skipif(not AXE.exists(), reason=NO_AXE)
@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("lang", LANGUAGES)
async def test_axe_finds_no_wcag_a_or_aa_violation(pages, tmp_path: Path, lang: str):
    mine = {name: html for name, html in pages.items() if name.endswith(f"[{lang}]")}
    checked = await check_pages(mine, tmp_path, (320, 1280), axe=True)
    assert len(checked) == 2 * (len(PAGES) + 1)
    assert all(c.axe is not None for c in checked.values())  # axe ran on every one
    assert {where: c.axe for where, c in checked.items() if c.axe} == {}
