"""When Slack is slow to take answers at their response_urls (a busy day), the answers of many
people at once are all on their way together: none waits for a connection another answer
holds. One running ogpbot with the Slack adapter, a fake Slack that holds every answer it is
given until the test lets them go."""

from __future__ import annotations

import asyncio

import pytest

from tests.adapters.slack.conftest import Workspace
from tests.cast import Person
from tests.serving import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

AT_ONCE = 150  # people answered at the same moment: more than a default connection pool's 100


async def test_answers_slack_holds_do_not_wait_for_each_other(workspace: Workspace) -> None:
    fake = workspace.fake
    people = [Person(f"Person {n}", "", f"person{n}@example.org", f"U0HELD{n:04d}",
                     f"29:held-{n}", f"held-{n}") for n in range(AT_ONCE)]
    for person in people:
        fake.add_user(person.slack_id, email=person.email, real_name=person.name)
    fake.hang(60, methods=["response_url"])  # Slack takes each answer, and answers it late
    try:
        sent = await asyncio.gather(*(workspace.command("help", who) for who in people))
        assert all(answer.status == 200 for answer, _ in sent)
        rids = {rid for _, rid in sent}

        def arrived() -> int:
            return sum(1 for c in fake.calls
                       if c.method == "response_url" and c.path.rsplit("/", 1)[-1] in rids)

        # every answer reaches Slack while the first ones are still held there (well before
        # a call's own time-out lets go of its connection)
        await eventually(lambda: arrived() == AT_ONCE, within=5)
    finally:
        fake.hang(0)
        fake.release_hangs()
