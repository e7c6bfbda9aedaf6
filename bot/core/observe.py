"""What the running bot tells about its work, for whoever watches it: the `Observer` port.

The core and the dispatcher call it; the metrics adapter (`adapters.metrics`) implements it
with Prometheus counters, so nothing in `bot/` imports a metrics library. `NO_OBSERVER` listens
to nothing (tests, the shell, one-shot commands).
"""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    def command(self, platform: str, word: str, outcome: str) -> None:
        """One command answered: its platform, its command word (`unknown` for words the
        grammar does not know, `form` for a submitted form) and `ok`, `refused`, `repeated`
        (a retried request answered from the store) or `error`."""
        ...

    def notice(self, event: str, platform: str) -> None:
        """One delivery step of a notice: `sent`, `retried` (a passing failure), `failed` (a
        permanent one, or given up) or `skipped`; `platform` is `none` when it had none."""
        ...


class _Nobody:
    def command(self, platform: str, word: str, outcome: str) -> None:
        pass

    def notice(self, event: str, platform: str) -> None:
        pass


NO_OBSERVER: Observer = _Nobody()
