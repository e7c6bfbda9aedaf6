"""Two trees of ogpbot served side by side, for a change's before and after: each tree's
`ogpbot serve` on its own copy of one seeded TinyDB store, each with its own fake Slack, the
bench's signed commands (`bench.ack.measure`, 50 in flight) sent to one then the other, the
order alternating from round to round so that a passing load falls on both. Printed per round
and as medians: serve's CPU time per command (user and system, from /proc), its thread
switches per command, and the ack and answer p50/p99; and the new tree's CPU over the old's.

    .venv/bin/python -m bench._side_by_side /path/to/old/tree

run from the new tree (the one checked out). `SIDE_SIZE` (1000 proposals), `SIDE_ROUNDS` (4),
`SIDE_COUNT` (300 a phase) and `SIDE_KINDS` (`status`; `status,propose`) shape it. Not part of
`make bench`: it answers "did this change help", on this machine, now.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import aiohttp

from bench import ack
from bench._machine import cpu_seconds, load, user_system
from tests.fakes.slack_api import FakeSlackAPI
from tests.serving import ServeProcess

NEW = Path(__file__).resolve().parent.parent
SIZE = int(os.environ.get("SIDE_SIZE", "1000"))
ROUNDS = int(os.environ.get("SIDE_ROUNDS", "4"))
COUNT = int(os.environ.get("SIDE_COUNT", "300"))
KINDS = tuple(os.environ.get("SIDE_KINDS", "status").split(","))


def switches(pid: int) -> int:
    """Context switches of all a process's threads so far."""
    total = 0
    for thread in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{thread}/status", encoding="ascii") as f:
            total += sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
    return total


async def serve(tree: Path, name: str, folder: Path, db: Path, fake: FakeSlackAPI,
                http: aiohttp.ClientSession) -> ServeProcess:
    copy = folder / f"{name}.json"
    shutil.copy(db, copy)
    env = {**ack.serve_env(copy, folder, fake), "PYTHONPATH": str(tree)}
    server = ServeProcess(env, folder / f"{name}.log", name=f"{name} serve", start_within=120,
                          cwd=tree)
    await server.start(http)
    await ack.idle(server)
    await ack.measure(http, fake, server.url, "status", 100, SIZE, f"warm{name}")
    return server


async def compare(old: Path) -> None:
    figures: dict[tuple[str, str], list[tuple[float, float, float, float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "seminar.toml").write_text(ack.SEMINAR, encoding="utf-8")
        db = ack.seed(folder, SIZE)
        async with FakeSlackAPI() as fake_old, FakeSlackAPI() as fake_new, \
                aiohttp.ClientSession() as http:
            fakes = {"old": fake_old, "new": fake_new}
            for fake in fakes.values():
                ack.know_proposers(fake)
            servers = {name: await serve(tree, name, folder, db, fakes[name], http)
                       for name, tree in (("old", old), ("new", NEW))}
            try:
                for n in range(ROUNDS):
                    for kind in KINDS:
                        for name in ("old", "new") if n % 2 == 0 else ("new", "old"):
                            pid = servers[name].process.pid  # type: ignore[union-attr]
                            await ack.idle(servers[name], within=ack.IDLE_WITHIN)
                            cpu, (user, system), moved = cpu_seconds(pid), user_system(pid), \
                                switches(pid)
                            acks, answers = await ack.measure(
                                http, fakes[name], servers[name].url, kind, COUNT, SIZE,
                                f"r{n}{name}")
                            await asyncio.sleep(ack.SETTLE)
                            used, (user2, system2) = cpu_seconds(pid) - cpu, user_system(pid)
                            figures.setdefault((name, kind), []).append((
                                used / COUNT * 1000, (user2 - user) / COUNT * 1000,
                                (system2 - system) / COUNT * 1000,
                                (switches(pid) - moved) / COUNT,
                                ack.pct(acks, 0.99) * 1000, ack.pct(answers, 0.99) * 1000))
                    print(f"round {n + 1} of {ROUNDS} done, load {load()}", flush=True)
            finally:
                for server in servers.values():
                    server.stop(grace=30)
    for kind in KINDS:
        for name in ("old", "new"):
            rows = figures[(name, kind)]
            cpu, user, system, moved, ack99, answer99 = (
                statistics.median(row[i] for row in rows) for i in range(6))
            print(f"{kind} {name}: CPU {cpu:.2f} ms per command (user {user:.2f}, system "
                  f"{system:.2f}; rounds {', '.join(f'{row[0]:.2f}' for row in rows)}), "
                  f"{moved:.1f} thread switches; ack p99 {ack99:.0f} ms, answer p99 "
                  f"{answer99:.0f} ms")
        ratios = [new[0] / old_[0] for new, old_ in zip(figures[("new", kind)],
                                                         figures[("old", kind)], strict=True)]
        print(f"{kind}: new CPU / old {statistics.median(ratios):.2f} "
              f"({min(ratios):.2f}-{max(ratios):.2f}), load {load()}")


def main() -> int:
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "adapters" / "cli.py").exists():
        print("usage: python -m bench._side_by_side OLD_TREE (a checkout of ogpbot)")
        return 2
    asyncio.run(compare(Path(sys.argv[1]).resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
