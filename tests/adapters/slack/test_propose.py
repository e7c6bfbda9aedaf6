"""The `/propose` modal: opened with the contract's block ids, refused submissions answered
with `response_action: errors` and nothing saved, a good one answered with its `P-N`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.views import View

from tests.adapters.slack.conftest import EMILY, INGRID, JANE, KARI, MARTE, OLA, Workspace
from tests.cast import Person
from tests.fakes.slack_signing import (
    checkboxes_value,
    select_value,
    text_value,
    view_submission_payload,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONTRACT_IDS = ["title", "problem", "description", "goal", "results", "values", "area", "ministry",
                "milestones"]


def good_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": text_value("Åpne budsjetter i kommunene"),
        "problem": text_value("Innbyggere finner ikke kommunens budsjett."),
        "description": text_value("Alle kommuner publiserer budsjettet som åpne data."),
        "values": checkboxes_value(["transparency", "participation"]),
        "area": select_value("apne-data"),
        "ministry": select_value("kmd"),
        "milestones": text_value("2027-06-01 Pilot i ti kommuner"),
    }
    values.update(changes)
    return values


def proposal_count(workspace: Workspace) -> int:
    return len(workspace.runtime.bot.records.proposals())


async def submit(workspace: Workspace, user: Person, values: dict[str, Any],
                 view_id: str) -> dict[str, Any]:
    payload = view_submission_payload("propose", values, user_id=user.slack_id, view_id=view_id)
    answer = await workspace.interact(payload)
    assert answer.status == 200
    return answer.json() or {}


async def test_propose_opens_the_modal_with_the_title_filled_in(workspace: Workspace) -> None:
    answer, _ = await workspace.command("Åpne budsjetter", KARI, command="/propose")
    assert answer.status == 200
    (opened,) = await workspace.sent("views.open")
    assert opened.ok  # the fake checked it against Slack's rules too
    view = opened.args["view"]
    View(**view).validate_json()
    assert view["callback_id"] == "propose"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == CONTRACT_IDS  # on the roster: no organisation
    assert all(b["element"]["action_id"] == b["block_id"] for b in inputs)
    kinds = {b["block_id"]: b["element"]["type"] for b in inputs}
    assert kinds["values"] == "checkboxes"
    assert kinds["area"] == kinds["ministry"] == "static_select"
    assert inputs[0]["element"]["initial_value"] == "Åpne budsjetter"
    assert next(b for b in inputs if b["block_id"] == "milestones")["optional"] is True
    assert view["title"]["text"] == "Foreslå en forpliktelse"


async def test_someone_off_the_roster_is_asked_for_an_organisation(workspace: Workspace) -> None:
    await workspace.command("propose", JANE)
    (opened,) = await workspace.sent("views.open", lambda c: "Propose a commitment" in json.dumps(
        c.args["view"]))
    ids = [b["block_id"] for b in opened.args["view"]["blocks"] if b["type"] == "input"]
    assert ids == [*CONTRACT_IDS, "organization"]


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"title": text_value("")}, "title", "Fyll ut Tittel"),
    ({"values": checkboxes_value([])}, "values", "Velg minst én OGP-verdi"),
    ({"problem": text_value("x" * 3001)}, "problem", "for lang (3001 tegn); høyst 3000"),
    ({"area": select_value("romfart")}, "area", "«romfart» er ikke et hovedområde"),
    ({"ministry": select_value("nasa")}, "ministry", "«nasa» er ikke et departement"),
    ({"ministry": select_value(None)}, "ministry", "Fyll ut Ansvarlig departement"),
    ({"milestones": text_value("snart Pilot")}, "milestones", "må skrives ÅÅÅÅ-MM-DD tekst"),
    # A roster person's modal has no organisation block: the problem shows under the first.
    ({"organization": text_value("Min forening")}, "title",
     "du trenger ikke oppgi organisasjon"),
])
async def test_refused_submission_names_the_field_and_saves_nothing(
        workspace: Workspace, changes: dict[str, Any], field: str, says: str) -> None:
    before = proposal_count(workspace)
    answer = await submit(workspace, INGRID, good_values(**changes), "V0REFUSED1")
    assert answer["response_action"] == "errors"
    assert says in answer["errors"][field]
    assert proposal_count(workspace) == before


async def test_refusal_in_english_for_an_english_speaker(workspace: Workspace) -> None:
    answer = await submit(workspace, EMILY, good_values(title=text_value(""),
                                                        values=checkboxes_value([])),
                          "V0BADEN")
    assert answer["errors"] == {"title": "Please fill in Title.",
                                "values": "Choose at least one OGP value: transparency, "
                                          "participation or accountability."}


async def test_an_observer_submitting_is_refused_under_the_first_field(
        workspace: Workspace) -> None:
    before = proposal_count(workspace)
    answer = await submit(workspace, MARTE, good_values(), "V0OBSERVER")
    assert answer["response_action"] == "errors"
    assert "observatør" in answer["errors"]["title"]
    assert proposal_count(workspace) == before


async def test_good_submission_answers_with_its_number_once(workspace: Workspace) -> None:
    before = proposal_count(workspace)
    payload = view_submission_payload("propose", good_values(), user_id=KARI.slack_id,
                                      view_id="V0GOOD0001")
    first = (await workspace.interact(payload)).json()
    assert first["response_action"] == "update"
    View(**first["view"]).validate_json()
    number = before + 1
    assert f"P-{number}" in json.dumps(first["view"], ensure_ascii=False)
    (dm,) = await workspace.dms(KARI)
    assert f"Forslaget ditt er registrert som P-{number}" in dm["text"]
    assert "Neste steg" in dm["text"]
    # The proposer's App Home shows it.
    (home,) = await workspace.sent("views.publish", lambda c: c.args["user_id"] == KARI.slack_id)
    assert f"P-{number}" in json.dumps(home.args["view"], ensure_ascii=False)

    # Submitted twice (a double click): the same answer, nothing saved or sent again.
    again = (await workspace.interact(payload)).json()
    assert again == first
    assert proposal_count(workspace) == number
    _, rid = await workspace.command("agenda", KARI)
    await workspace.responses(rid)
    assert len(await workspace.dms(KARI)) == 1

    # The coordinator and the responsible ministry are told, in their digests of new
    # proposals (the shipped seminar file gathers them for ten minutes).
    assert any(n.say is not None and n.say.message == "proposal.digest"
               and number in n.say.values["proposals"]
               for n in workspace.runtime.bot.outbox.all())


async def test_injected_channel_ping_goes_out_escaped(workspace: Workspace) -> None:
    values = good_values(title=text_value("<!channel> urgent & <@U0KARI001>"),
                         organization=text_value("Folk & Fe"))
    answer = await submit(workspace, OLA, values, "V0INJECT01")
    assert answer["response_action"] == "update"
    (dm,) = await workspace.dms(OLA)
    number = workspace.runtime.bot.records.proposals()[-1].ref
    _, rid = await workspace.command(f"status {number}", OLA)
    (card,) = await workspace.responses(rid)
    for sent in (answer, dm, card):
        raw = json.dumps(sent, ensure_ascii=False)
        assert "<!channel>" not in raw and "<@U0KARI001>" not in raw
        assert "&lt;!channel&gt; urgent &amp; &lt;@U0KARI001&gt;" in raw
    assert "Folk &amp; Fe" in card["text"]
