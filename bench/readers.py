"""A crowd reading the public record while Slack commands come in: the ack bench's signed
`/status P-N` and one-line `/ogp propose` commands against `ogpbot serve`, alone and with 200
readers fetching `GET /` over and over (in a process of their own), in the same run on the
same server, alternating (alone, crowded, alone, crowded: a passing load on the machine falls
on both). Prints the ack p50 and p99 of both and the p99 ratio (goal: at most 1.5), and what
the readers got."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from bench._machine import cpu_seconds, load
from bench.ack import (
    CONCURRENCY,
    SEMINAR,
    know_proposers,
    measure,
    ms,
    pct,
    seed,
    serve_env,
)
from tests.fakes.slack_api import FakeSlackAPI
from tests.serving import ROOT, ServeProcess

SIZE = int(os.environ.get("BENCH_READERS_SIZE", "1000"))
READERS = int(os.environ.get("BENCH_READERS", "200"))
STATUS_REQUESTS = int(os.environ.get("BENCH_READERS_STATUS", "300"))
PROPOSE_REQUESTS = int(os.environ.get("BENCH_READERS_PROPOSE", "100"))
KINDS = (("status", STATUS_REQUESTS), ("propose", PROPOSE_REQUESTS))
ROUNDS = int(os.environ.get("BENCH_READERS_ROUNDS", "2"))


class Crowd:
    """The readers' process: started, told to stop, and its figures read back."""

    def __init__(self, url: str, readers: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench._readers", f"{url}/", str(readers)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    async def ready(self) -> None:
        assert self.process.stdout is not None
        line = await asyncio.to_thread(self.process.stdout.readline)
        if line.strip() != "ready":
            raise RuntimeError(f"the readers did not start: {line!r}")

    async def stop(self) -> dict[str, Any]:
        """The figures: pages, seconds, took (each page's seconds), bytes, failures."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        line = await asyncio.to_thread(self.process.stdout.readline)
        await asyncio.to_thread(self.process.wait, 30)
        return dict(json.loads(line))


async def acks(http: aiohttp.ClientSession, fake: FakeSlackAPI, url: str,
               tag: str) -> dict[str, list[float]]:
    return {kind: (await measure(http, fake, url, kind, count, SIZE, f"{tag}ogpbot"))[0]
            for kind, count in KINDS}


async def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("load", f"{SIZE:,} proposals; {CONCURRENCY} commands in flight, {STATUS_REQUESTS} "
                 f"`/status P-N` and {PROPOSE_REQUESTS} `/ogp propose` in each of {ROUNDS} "
                 f"rounds alone and {ROUNDS} with {READERS} readers of `/`"),
        ("load average at the start", load()),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "seminar.toml").write_text(SEMINAR, encoding="utf-8")
        async with FakeSlackAPI() as fake, aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=CONCURRENCY * 2)) as http:
            know_proposers(fake)
            db = seed(folder, SIZE)
            server = ServeProcess(serve_env(db, folder, fake), folder / "serve.log",
                                  name="ogpbot serve",
                                  start_within=120)
            await server.start(http)
            try:
                await measure(http, fake, server.url, "status", CONCURRENCY * 2, SIZE,
                              "warmogpbot")
                alone: dict[str, list[float]] = {kind: [] for kind, _ in KINDS}
                crowded: dict[str, list[float]] = {kind: [] for kind, _ in KINDS}
                took: list[float] = []
                pages, seconds, size, failures = 0, 0.0, 0, 0
                assert server.process is not None
                pid = server.process.pid
                cpu = {"alone": 0.0, "crowded": 0.0}
                for n in range(ROUNDS):
                    before = cpu_seconds(pid)
                    for kind, values in (await acks(http, fake, server.url,
                                                    f"alone{n}")).items():
                        alone[kind] += values
                    cpu["alone"] += cpu_seconds(pid) - before
                    crowd = Crowd(server.url, READERS)
                    await crowd.ready()
                    await asyncio.sleep(1.0)  # the crowd at full strength before measuring
                    before = cpu_seconds(pid)
                    for kind, values in (await acks(http, fake, server.url,
                                                    f"crowd{n}")).items():
                        crowded[kind] += values
                    cpu["crowded"] += cpu_seconds(pid) - before
                    read = await crowd.stop()
                    took += read["took"]
                    pages += read["pages"]
                    seconds += read["seconds"]
                    size = max(size, read["bytes"])
                    failures += read["failures"]
            finally:
                server.stop(grace=15)
    ratio = 0.0
    for kind, _ in KINDS:
        ours, base = crowded[kind], alone[kind]
        kind_ratio = pct(ours, 0.99) / pct(base, 0.99)
        ratio = max(ratio, kind_ratio)
        rows.append((f"{kind} ack p50/p99 ms",
                     f"with readers {ms(pct(ours, 0.5))} / {ms(pct(ours, 0.99))}, "
                     f"alone {ms(pct(base, 0.5))} / {ms(pct(base, 0.99))}, "
                     f"p99 ratio {kind_ratio:.2f}"))
    rows.append(("readers", f"{pages} pages of {size / 1e3:.0f} kB gzipped in {seconds:.1f} s "
                            f"({pages / seconds:.0f}/s), page p50/p99 {ms(pct(took, 0.5))} / "
                            f"{ms(pct(took, 0.99))} ms, {failures} failed"))
    rows.append(("serve CPU while measured", f"alone {cpu['alone']:.1f} s, with readers "
                                             f"{cpu['crowded']:.1f} s"))
    rows.append(("load average at the end", load()))
    rows.append(("ack p99 with readers / alone", f"{ratio:.2f} (worse of status and propose; "
                                                 "goal: at most 1.5)"))
    return rows


HEADLINES = ("ack p99 with readers / alone",)


def main() -> int:
    rows = asyncio.run(run())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
