"""The garbage collector of a long-running `ogpbot serve`: set once its start-up is done.

- What start-up loaded (the store's documents, the seminar, the catalogues, every module) lives
  as long as the process. `gc.freeze()` moves it out of the collector's reach, so a full pass
  walks only what came after: over a store of 10,000 proposals one such pass took 230-370 ms,
  all of it a stall for whatever request was waiting.
- The youngest generation is collected after `YOUNG` new container objects instead of
  Python's 700. Almost everything a command makes is freed by its reference count when the
  command ends; a young collection walks only what is still alive at that moment (the
  commands and sends in flight), so at 700 it walked the same live objects over and over:
  about 12 young and one middle collection per 100 `status` commands, 0.08 ms of serve's
  CPU per command, and 8-10 % of a fan-out's. At 10,000, cyclic garbage waits a little
  longer before it is freed: a few megabytes at most.

The tests do not call it (they build the server in their own process, whose heap must stay
the collector's); the fan-out bench calls it as `serve` does, since the dispatcher it measures
runs in the bench's process.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG", "settle"]

YOUNG = 10_000  # new container objects between two collections of the youngest generation


def settle() -> None:
    """Collect what start-up left over, freeze the rest, and collect the young less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
