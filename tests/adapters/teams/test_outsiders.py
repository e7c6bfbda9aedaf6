"""People from outside the ministry in its Teams chats and meetings: guests (an Entra B2B guest
account in the ministry's tenant) and external users (external access: their account stays in
their own organisation's tenant). Each is known by their Entra object id within the tenant
their account is in, never by an address another tenant's administrator could type, and is
served as civil society unless the roster names them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.i18n.catalogue import t
from tests import cast
from tests.adapters.teams.conftest import (
    BOT_TOKEN,
    KARI_EMAIL,
    TENANT,
    Bench,
    card_of,
    credentials,
    running,
    texts,
)
from tests.fakes.bf_connector import FakeChannelIssuer, FakeConnector
from tests.serving import ROOT

pytestmark = pytest.mark.asyncio

KS_TENANT = "7d2e4f60-0000-4000-8000-00000000c0de"  # KS's own tenant (external access)
OTHER_TENANT = "3e0a9f11-0000-4000-8000-0000000000ff"  # another tenant the deployment serves
GUEST_OID = "0b6f3a2c-1d4e-4f5a-8b9c-0d1e2f3a4b5c"  # Marte's guest account in the ministry's
KS_OID = "c4d5e6f7-0809-4a1b-8c2d-3e4f5a6b7c8d"  # Marte's own account, in KS's tenant
KARI_OID = "5a8c1b7e-2f40-4d1a-9c33-0a1b2c3d4e5f"
MARTE_EMAIL = cast.MARTE.email
MEETING = "19:meeting_ZmFrZS1tZWV0aW5n@thread.v2"  # a meeting chat the ministry hosts
DECIDE = "decide P-1 exclude not wanted"


def seminar_naming(folder: Path, email: str, **keys: str) -> str:
    """The shipped seminar with `keys` added to the roster person with `email`."""
    shipped = (ROOT / "data" / "seminar.toml").read_text(encoding="utf-8")
    line = f'email = "{email}"\n'
    assert line in shipped
    extra = "".join(f'{key} = "{value}"\n' for key, value in keys.items())
    path = folder / "seminar.toml"
    path.write_text(shipped.replace(line, line + extra, 1), encoding="utf-8")
    return str(path)


def role_of(posted: Any) -> str:
    return texts(card_of(posted))[0]


def titled(role: str) -> str:
    return t("en", "help.title", role=t("en", f"role.{role}"))


async def say_in_meeting(bench: Bench, user: dict[str, Any], member: dict[str, Any],
                         text: str = "help") -> Any:
    """`user` writes in the ministry's meeting chat; the connector's member lookup answers
    `member` for them."""
    bench.fake.add_member(MEETING, {**user, **member})
    return await bench.say(text, user=user, conversation=MEETING, kind="groupChat")


async def test_a_guest_is_known_by_the_object_id_of_their_guest_account(
        issuer: FakeChannelIssuer, tmp_path: Path) -> None:
    settings = credentials(seminar=seminar_naming(tmp_path, MARTE_EMAIL,
                                                  aad_object_id=GUEST_OID))
    marte = {"id": "29:1-marte-guest", "name": "Marte Dahl (Guest)", "aadObjectId": GUEST_OID}
    guest = {"tenantId": TENANT, "userRole": "guest",
             "userPrincipalName": "marte.dahl_example.org#EXT#@ministry.onmicrosoft.com"}
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, settings, issuer) as b:
        assert role_of(await say_in_meeting(b, marte, guest)) == titled("observer")


async def test_a_guests_principal_name_is_not_taken_for_an_email(bench: Bench) -> None:
    ola = {"id": "29:1-ola-guest", "name": "Ola (Guest)", "aadObjectId": GUEST_OID}
    guest = {"tenantId": TENANT, "userRole": "guest",
             "userPrincipalName": "ola_ngo.example#EXT#@ministry.onmicrosoft.com"}
    assert role_of(await say_in_meeting(bench, ola, guest)) == titled("civil_society")
    person = bench.runtime.bot.records.person_by_platform("teams", ola["id"])
    assert person is not None and person.email is None


async def test_a_guest_with_an_email_is_known_by_it(bench: Bench) -> None:
    """An email on a guest account of the ministry's own tenant is the ministry's word."""
    kari = {"id": "29:1-kari-guest", "name": "Kari (Guest)", "aadObjectId": GUEST_OID}
    guest = {"tenantId": TENANT, "userRole": "guest", "email": KARI_EMAIL}
    assert role_of(await say_in_meeting(bench, kari, guest)) == titled("coordinator")


async def test_an_external_user_with_the_coordinators_email_is_not_the_coordinator(
        bench: Bench) -> None:
    """External access: Mallory's own tenant gave her Kari's address; she writes in the
    ministry's meeting chat, so the activity comes through the ministry's tenant."""
    mallory = {"id": "29:1-mallory-ext", "name": "Mallory", "aadObjectId": KS_OID}
    external = {"tenantId": KS_TENANT, "email": KARI_EMAIL, "userPrincipalName": KARI_EMAIL}
    assert role_of(await say_in_meeting(bench, mallory, external)) == titled("civil_society")
    refused = await say_in_meeting(bench, mallory, external, DECIDE)
    assert "coordinator" in " ".join(texts(card_of(refused))).lower()
    person = bench.runtime.bot.records.person_by_platform("teams", mallory["id"])
    assert person is not None and person.email is None and not person.on_roster


async def test_an_external_user_is_known_by_their_object_id_in_their_own_tenant(
        issuer: FakeChannelIssuer, tmp_path: Path) -> None:
    settings = credentials(seminar=seminar_naming(tmp_path, MARTE_EMAIL, aad_object_id=KS_OID,
                                                  aad_tenant_id=KS_TENANT))
    marte = {"id": "29:1-marte-ks", "name": "Marte Dahl", "aadObjectId": KS_OID}
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, settings, issuer) as b:
        assert role_of(await say_in_meeting(b, marte, {"tenantId": KS_TENANT})) == \
            titled("observer")
        # the same object id on an account of the ministry's tenant is somebody else
        other = {"id": "29:1-not-marte", "name": "Not Marte", "aadObjectId": KS_OID}
        assert role_of(await say_in_meeting(b, other, {"tenantId": TENANT})) == \
            titled("civil_society")


async def test_an_object_id_counts_only_in_the_tenant_it_is_in(
        issuer: FakeChannelIssuer, tmp_path: Path) -> None:
    """Two tenants served: the roster's object id is Kari's in the ministry's tenant; the same
    id on an account of the other tenant does not make its holder Kari."""
    settings = credentials(seminar=seminar_naming(tmp_path, KARI_EMAIL, aad_object_id=KARI_OID),
                           OGPBOT_TEAMS_TENANTS=OTHER_TENANT)
    mallory = {"id": "29:1-mallory", "name": "Mallory", "aadObjectId": KARI_OID}
    kari = {"id": "29:1-kari-phone", "name": "Kari", "aadObjectId": KARI_OID}
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, settings, issuer) as b:
        posted = await b.say("help", user=mallory, conversation="a:1-mallory",
                             tenant=OTHER_TENANT)
        assert role_of(posted) == titled("civil_society")
        posted = await b.say("help", user=kari, conversation="a:1-kari-phone")
        assert role_of(posted) == titled("coordinator")
