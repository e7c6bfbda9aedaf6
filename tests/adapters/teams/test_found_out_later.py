"""A coordinator whose first Teams member lookup was refused (the tenant's directory did not
have her yet) is met as civil society; the lookup is asked again an hour later, and once it
gives her email she is the roster's coordinator, with what she did meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.i18n.catalogue import t
from tests import cast
from tests.adapters.teams.conftest import BOT_TOKEN, card_of, credentials, running, texts
from tests.fakes.bf_connector import FakeChannelIssuer, FakeConnector

pytestmark = pytest.mark.asyncio
PER = cast.PER.teams_account
PER_EMAIL = cast.PER.email  # a coordinator on the shipped roster, by email only
DM_PER = "a:1-dm-with-per"
LINE = ("Åpent lobbyregister | Vanskelig å se hvem som møter statsråder | Publiser møtene | "
        "transparency | innsyn | jd")


def title(posted: object) -> str:
    return texts(card_of(posted))[0]  # type: ignore[arg-type]


async def test_a_refused_member_lookup_is_asked_again_and_gives_the_role(
        issuer: FakeChannelIssuer) -> None:
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, credentials(),
                                                               issuer) as bench:
        said = {"user": PER, "conversation": DM_PER}
        first = await bench.say("help", **said)
        assert title(first) == t("en", "help.title", role=t("en", "role.civil_society"))
        assert "P-1" in " ".join(texts(card_of(await bench.say(f"propose {LINE}", **said))))
        fake.add_member(DM_PER, {**PER, "email": PER_EMAIL, "userPrincipalName": PER_EMAIL})
        soon = await bench.say("help", **said)  # within the hour: not asked again yet
        assert title(soon) == t("en", "help.title", role=t("en", "role.civil_society"))
        clock = bench.runtime.clock
        assert isinstance(clock, FakeClock)
        clock.advance(timedelta(hours=1, minutes=1))
        later = await bench.say("help", **said)
        assert title(later) == t("en", "help.title", role=t("en", "role.coordinator"))
        records = bench.runtime.bot.records
        per = records.person_by_platform("teams", PER["id"])
        assert per is not None and per.key == f"roster:{PER_EMAIL}"
        proposal = records.proposal(1)
        assert proposal is not None and proposal.proposer == per.key
