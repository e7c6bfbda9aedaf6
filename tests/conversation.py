"""A conversation with ogpbot, written the same way on every platform (in the style of
botbuilder's `TestAdapter`):

    await workspace.send(KARI, "status P-1").assert_reply("P-1").send(INGRID, "help")

Each platform's bench sends through its real adapter and hears the answer at the network's
edge: `tests/adapters/slack/conftest.py`'s `Workspace` (a signed slash command into the real
slack-bolt app; the answer POSTed to the fake Web API's response_url) and
`tests/adapters/teams/conftest.py`'s `Bench` (a signed activity into the real botbuilder
adapter; the answer the fake connector took as the reply to it). Nothing runs until the flow is
awaited; the steps run in order, and the flow's value is the last answer heard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

from tests.cast import Person


@dataclass(frozen=True)
class Heard:
    """One answer as the person reads it (`text`: every line shown, in order) and as the
    platform carried it (`raw`: Slack's response_url body, or the Teams activity posted)."""

    text: str
    raw: Any

    def __contains__(self, words: str) -> bool:
        return words in self.text


Hear = Callable[..., Awaitable[Heard]]  # (who, words, **options) -> what they heard
Check = str | Callable[[Heard], object]


@dataclass(frozen=True)
class Flow:
    """Steps to run against one platform's bench: who says what, and what they must hear."""

    hear: Hear
    steps: tuple[tuple[str, Any], ...] = ()

    def send(self, who: Person, words: str, **options: Any) -> Flow:
        """`who` writes `words` to the bot (`options`: what the bench lets a test choose,
        such as the conversation, or the locale their client reports)."""
        return Flow(self.hear, (*self.steps, ("send", (who, words, options))))

    def assert_reply(self, expected: Check) -> Flow:
        """The answer to the last message sent holds `expected` (words the person reads), or
        passes `expected(heard)` (a check that asserts, or returns False to fail)."""
        return Flow(self.hear, (*self.steps, ("expect", expected)))

    def assert_replies(self, *expected: Check) -> Flow:
        """The answer to the last message sent passes every one of `expected`."""
        flow = self
        for one in expected:
            flow = flow.assert_reply(one)
        return flow

    async def run(self) -> Heard:
        heard: Heard | None = None
        said = ""
        for kind, step in self.steps:
            if kind == "send":
                who, said, options = step
                heard = await self.hear(who, said, **options)
                continue
            assert heard is not None, "assert_reply before anything was sent"
            if isinstance(step, str):
                assert step in heard.text, f"{step!r} is not in the answer to {said!r}:\n" \
                                           f"{heard.text}"
            else:
                assert step(heard) is not False, f"the answer to {said!r} fails {step}:\n" \
                                                 f"{heard.text}"
        assert heard is not None, "nothing was sent"
        return heard

    def __await__(self) -> Generator[Any, None, Heard]:
        return self.run().__await__()
