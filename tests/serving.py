"""The plumbing for tests and benches that run `ogpbot serve` (or another small server) as a
process of its own: a free loopback port, the process itself (started once `/healthz` answers,
stopped or killed, its output in a log file), a seminar file to serve, waiting for a condition,
and the outbox as the store on disk holds it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bot.store.tinydb_file import TinyDBStore

ROOT = Path(__file__).resolve().parent.parent
SERVE = (sys.executable, "-m", "adapters.cli", "serve")

#: key, name, kind of the organisations most end-to-end seminars have.
ORGANIZATIONS = (("kmd", "KMD", "coordinator"),
                 ("jd", "Justisdepartementet", "ministry"),
                 ("ngo", "Åpenhet Norge", "civil_society"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """A server in a process of its own on a free loopback port (the same port every time it is
    started again), its output appended to `log`; started once `GET /healthz` answers 200."""

    def __init__(self, env: Mapping[str, str], log: Path, *, argv: Sequence[str] = SERVE,
                 name: str = "serve", start_within: float = 30.0) -> None:
        self.env = dict(env)
        self.log = log
        self.argv = list(argv)
        self.name = name
        self.start_within = start_within
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0  # seconds from spawning to the first healthy answer

    async def start(self, http: aiohttp.ClientSession | None = None) -> None:
        """Spawn the process and wait for `/healthz`; AssertionError with the log if it dies
        or `start_within` seconds pass first."""
        began = time.perf_counter()
        self.process = await asyncio.to_thread(self._spawn)
        if http is None:
            async with aiohttp.ClientSession() as own:
                ready = await self._healthy(own)
        else:
            ready = await self._healthy(http)
        if not ready:
            raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()}")
        self.started_in = time.perf_counter() - began

    async def _healthy(self, http: aiohttp.ClientSession) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + self.start_within
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{self.url}/healthz") as answer:
                    if answer.status == 200:
                        return True
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen([*self.argv, "--port", str(self.port)], cwd=ROOT,
                                    env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as when the machine loses power."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, and SIGKILL if it has not ended within `grace` seconds."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.kill()


async def eventually(check: Callable[[], Any], within: float = 20.0) -> None:
    """Wait until `check()` is true; AssertionError after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


def _table(name: str, fields: Mapping[str, str]) -> str:
    lines = "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
                    for key, value in fields.items())
    return f"[[{name}]]\n{lines}\n"


def seminar_toml(day: str, agenda: Iterable[tuple[str, str, str]], leads: Sequence[str], *,
                 people: Iterable[Mapping[str, str]],
                 organizations: Iterable[tuple[str, str, str]] = ORGANIZATIONS,
                 title: str = "E2E", tables: int = 2) -> str:
    """A seminar file (Norwegian, Oslo time, no heads-up, one area) on `day`: `agenda` as
    (time, title, kind), reminders `leads` ahead, `organizations` as (key, name, kind) and
    `people` as the fields of each person (name, org, email, slack_id or teams_id)."""
    items = "".join(_table("agenda", {"time": at, "title": what, "kind": kind})
                    for at, what, kind in agenda)
    orgs = "".join(_table("organizations", {"key": key, "name": name, "kind": kind})
                   for key, name, kind in organizations)
    persons = "".join(_table("people", fields) for fields in people)
    return f"""
[seminar]
title = {json.dumps(title, ensure_ascii=False)}
date = "{day}"
timezone = "Europe/Oslo"
language = "nb"
heads_up_minutes = 0
reminder_leads = {json.dumps(list(leads))}

[[areas]]
key = "innsyn"
name = "Innsyn"

[tables]
count = {tables}
max_size = 10

{items}{orgs}{persons}"""


def outbox(folder: Path) -> dict[str, dict[str, Any]]:
    """The outbox as the store on disk holds it (the file with its journal replayed)."""
    store = TinyDBStore(folder / "ogpbot.json", readonly=True)
    try:
        return {doc["key"]: doc for doc in store.all("outbox")}
    finally:
        store.close()
