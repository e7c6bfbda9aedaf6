"""The plumbing for tests and benches that run `ogpbot serve` (or another small server) as a
process of its own: a free loopback port, the process itself (started once `/healthz` answers,
stopped or killed, its output in a log file), a seminar file to serve, waiting for a condition,
and the outbox as the store on disk holds it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from bot.store.tinydb_file import TinyDBStore

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
SERVE = (sys.executable, "-m", "adapters.cli", "serve")
PORT_TRIES = 3  # ports picked in turn when another process takes the one picked first

#: key, name, kind of the organisations most end-to-end seminars have.
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """A server in a process of its own on a free loopback port (the same port every time it is
    started again), its output appended to `log`; started once `GET /healthz` answers 200."""

    def __init__(self, env: Mapping[str, str], log: Path, *, argv: Sequence[str] = SERVE,
                 name: str = "serve", start_within: float = 30.0,
                 cwd: Path = ROOT) -> None:
        self.env = dict(env)
        self.log = log
        self.argv = list(argv)
        self.cwd = cwd
        self.name = name
        self.start_within = start_within
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0  # seconds from spawning to the first healthy answer

    async def start(self, http: aiohttp.ClientSession | None = None) -> None:
        """Spawn the process and wait for `/healthz`; AssertionError with the log if it dies
        or `start_within` seconds pass first. A port that another process took since it was
        picked (tests run in several processes at once) is given up for another."""
        began = time.perf_counter()
        for _attempt in range(PORT_TRIES):
            logged = self.log.stat().st_size if self.log.exists() else 0
            self.process = await asyncio.to_thread(self._spawn)
            if http is None:
                async with aiohttp.ClientSession() as own:
                    ready = await self._healthy(own)
            else:
                ready = await self._healthy(http)
            if ready:
                self.started_in = time.perf_counter() - began
                return
            if self.process.poll() is None or not self._port_taken(logged):
                break
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
        raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()}")

    def _port_taken(self, since: int) -> bool:
        """Whether the log written from byte `since` on says the port was in use."""
        with self.log.open("rb") as log:
            log.seek(since)
            return b"address already in use" in log.read().lower()

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
            return subprocess.Popen([*self.argv, "--port", str(self.port)], cwd=self.cwd,
                                    env=self.env, stdout=log, stderr=subprocess.STDOUT)

    async def clock(self, *, at: datetime | None = None, advance: float | None = None,
                    speed: float | None = None) -> datetime:
        """The server's test clock (`OGPBOT_TEST_CLOCK`, see `clock_env`): moved to `at`, or on
        by `advance` seconds, or set running at `speed`, when given; where it is now."""
        body: dict[str, Any] = {}
        if at is not None:
            body["at"] = at.isoformat()
        if advance is not None:
            body["advance"] = advance
        if speed is not None:
            body["speed"] = speed
        async with aiohttp.ClientSession() as http:
            request = http.post(f"{self.url}/test/clock", json=body) if body else \
                http.get(f"{self.url}/test/clock")
            async with request as answer:
                assert answer.status == 200, await answer.text()
                return datetime.fromisoformat((await answer.json())["now"])

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


def clock_env(start: datetime, speed: float = 1.0) -> dict[str, str]:
    """The environment that starts a server's clock at `start`, running at `speed` (0: still),
    moved from the test by `ServeProcess.clock`."""
    return {"OGPBOT_TEST_CLOCK": f"{start.isoformat()}@{speed:g}"}


async def eventually(check: Callable[[], Any], within: float = 20.0) -> None:
    """Wait until `check()` is true; AssertionError after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


async def until(look: Callable[[], Awaitable[T]], check: Callable[[T], bool],
                within: float = 20.0) -> T:
    """Look (`await look()`, e.g. a request) until `check` holds for what it found; that.
    AssertionError after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        found = await look()
        if check(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; last found: {found!r}")
        await asyncio.sleep(0.05)


def outbox(folder: Path) -> dict[str, dict[str, Any]]:
    """The outbox as the store on disk holds it (the file with its journal replayed)."""
    return _collection(folder, "outbox")


def answered(folder: Path) -> bool:
    """Every request the server acknowledged is done and answered, as the store on disk says:
    nothing of them is left to do, so nothing of them can happen again."""
    return all(doc["state"] == "answered" for doc in _collection(folder, "inbox").values())


def _collection(folder: Path, name: str) -> dict[str, dict[str, Any]]:
    store = TinyDBStore(folder / "ogpbot.json", readonly=True)
    try:
        return {key: doc for key, doc in store.items(name)}
    finally:
        store.close()
