"""The life cycle the local fakes share: serve an aiohttp app on a loopback port, stop serving,
and be used as ``async with Fake() as fake``."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from aiohttp import web


class LoopbackFake:
    """A base for a fake service: the subclass builds its app in :meth:`start` and hands it to
    :meth:`_listen`; :meth:`close` lets go of held answers (:meth:`_let_go`) and stops."""

    _runner: web.AppRunner | None = None

    async def start(self) -> Self:
        raise NotImplementedError

    async def _listen(self, app: web.Application, host: str = "127.0.0.1", port: int = 0,
                      **runner_options: Any) -> int:
        """Serve `app` on host:port (0: a port the system picks); return the port."""
        self._runner = web.AppRunner(app, access_log=None, **runner_options)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        return int(self._runner.addresses[0][1])

    def _let_go(self) -> None:
        """Release answers the fake holds back, before it stops serving."""

    async def close(self) -> None:
        """Let any held answer go and stop serving."""
        self._let_go()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
