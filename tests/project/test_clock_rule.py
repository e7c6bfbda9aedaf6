"""The rule of one clock: outside `bot/core/clock.py`, nothing in `bot/` or `adapters/` reads the
wall clock for the process's notion of now (`time.time()`, `datetime.now()`, `utcnow()`,
`today()`, an event loop's `time()`): it asks the injected `Clock`. Real time that is not the
process's now has its named places there (`protocol_seconds`), and durations use
`time.monotonic()`, which cannot tell the date."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The one module that may read the wall clock, and why: it is the clock.
ALLOWED = {Path("bot/core/clock.py")}

#: (module or class, function) pairs that tell the wall clock's now.
WALL = {("time", "time"), ("time", "time_ns"), ("datetime", "now"), ("datetime", "utcnow"),
        ("datetime", "today"), ("date", "today")}
LOOPS = {"get_running_loop", "get_event_loop", "new_event_loop"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def wall_clock_reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, what) of each read of the wall clock's now in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                if (node.module, alias.name) in WALL:
                    yield node.lineno, f"from {node.module} import {alias.name}"
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func, owner = node.func, node.func.value
        if (_name(owner), func.attr) in WALL:
            yield node.lineno, f"{_name(owner)}.{func.attr}()"
        elif func.attr == "time" and (
                (isinstance(owner, ast.Call) and _name(owner.func) in LOOPS)
                or "loop" in (_name(owner) or "").lower()):
            yield node.lineno, "loop.time()"


def test_only_the_clock_reads_the_wall_clock() -> None:
    found = []
    for folder in ("bot", "adapters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = path.relative_to(ROOT)
            if where in ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(where))
            found += [f"{where}:{line}: {what}" for line, what in wall_clock_reads(tree)]
    assert not found, ("the process's now comes from the injected clock (bot/core/clock.py); "
                       "these read the wall clock:\n" + "\n".join(found))


def test_the_rule_finds_each_way_of_reading_the_wall_clock() -> None:
    source = """
import time, asyncio
from datetime import datetime, date
from time import time as wall
a = time.time()
b = datetime.now(UTC)
c = datetime.utcnow()
d = date.today()
e = asyncio.get_running_loop().time()
f = loop.time()
g = self._loop.time()
ok = time.monotonic() + clock.now().timestamp()
"""
    found = [what for _, what in wall_clock_reads(ast.parse(source))]
    assert found == ["from time import time", "time.time()", "datetime.now()",
                     "datetime.utcnow()", "date.today()", "loop.time()", "loop.time()",
                     "loop.time()"]
