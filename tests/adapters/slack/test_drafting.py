"""A small-table session in Slack, through the real bolt app: the edit modal filled in with the
current text, a save based on an older version refused with the person's text kept, one field
in a line, milestones, notes by those seated at the table, an organisation joining, and the
DMs that tell followers of a new version."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.views import View

from tests.adapters.slack.conftest import EMILY, INGRID, KARI, MARTE, OLA, PEOPLE, Workspace
from tests.cast import PER, Person
from tests.fakes.slack_signing import text_value, view_submission_payload

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINE = ("Open lobbying register | Nobody can see who meets ministers | Publish every meeting "
        "in an open register | transparency, accountability | innsyn | jd")


async def ask(workspace: Workspace, user: Person, text: str) -> str:
    """A slash command's ephemeral answer, as the person reads it."""
    answer = (await workspace.send(user, text)).raw
    return answer["text"] + "\n" + json.dumps(answer.get("blocks", []), ensure_ascii=False)


async def dm_saying(workspace: Workspace, user: Person, *words: str) -> list[str]:
    """The DMs to one person that hold every one of `words` (waiting a while for one)."""
    channel = workspace.fake.dm_channel(user.slack_id)
    calls = await workspace.sent(
        "chat.postMessage", lambda c: c.args.get("channel") == channel
        and all(w in str(c.args.get("text", "")) for w in words))
    return [str(c.args["text"]) for c in calls]


def texts_of(values: dict[str, str]) -> dict[str, Any]:
    return {k: text_value(v) for k, v in values.items()}


def inputs(view: dict[str, Any]) -> dict[str, str]:
    return {b["block_id"]: b["element"].get("initial_value", "")
            for b in view["blocks"] if b["type"] == "input"}


async def test_the_edit_modal_and_a_stale_save_that_keeps_the_text(
        workspace: Workspace) -> None:
    assert "P-1" in await ask(workspace, EMILY, f"propose {LINE}")
    _, _ = await workspace.command("edit P-1", EMILY)
    (opened,) = await workspace.sent("views.open")
    view = opened.args["view"]
    View(**view).validate_json()
    assert view["callback_id"] == "edit" and view["title"]["text"] == "Edit P-1"
    assert inputs(view) == {"title": "Open lobbying register",
                            "problem": "Nobody can see who meets ministers",
                            "description": "Publish every meeting in an open register",
                            "goal": "", "results": ""}
    meta = json.loads(view["private_metadata"])
    assert meta["hidden"] == {"proposal": "P-1", "base": "1"}

    # The ministry changes the goal in one line while Emily still has the modal open.
    saved = await ask(workspace, INGRID, "endre P-1 goal Alle møter er offentlige")
    assert "P-1 er lagret som versjon 2" in saved

    mine = {**inputs(view), "goal": "Every meeting <!channel> published within a week",
            "results": "A register anyone can search"}
    payload = view_submission_payload("edit", texts_of(mine), user_id=EMILY.slack_id,
                                      view_id="V0EDIT0001",
                                      private_metadata=view["private_metadata"],
                                      blocks=view["blocks"])
    stale = (await workspace.interact(payload)).json()
    assert stale["response_action"] == "update"
    again = stale["view"]
    View(**again).validate_json()
    shown = json.dumps(again["blocks"], ensure_ascii=False)
    assert "Not saved: P-1 was changed meanwhile" in shown
    assert "Ingrid Berg saved version 2" in shown
    assert "Goal: Alle møter er offentlige" in shown  # the newer text, to read
    assert inputs(again)["goal"] == mine["goal"]  # her own text, kept in the input
    assert inputs(again)["results"] == "A register anyone can search"
    assert json.loads(again["private_metadata"])["hidden"]["base"] == "2"
    p1 = workspace.runtime.bot.records.proposal(1)
    assert p1 is not None and p1.version == 2 and p1.goal == "Alle møter er offentlige"

    # Sent again from the modal it got back: version 3, and Ingrid hears what changed.
    payload = view_submission_payload("edit", texts_of(inputs(again)), user_id=EMILY.slack_id,
                                      view_id="V0EDIT0001",
                                      private_metadata=again["private_metadata"],
                                      blocks=again["blocks"])
    done = (await workspace.interact(payload)).json()
    assert done["response_action"] == "update"
    View(**done["view"]).validate_json()
    assert "P-1 is saved as version 3" in json.dumps(done["view"], ensure_ascii=False)
    (told,) = await dm_saying(workspace, INGRID, "Ny versjon av P-1", "versjon 3")
    assert "&lt;!channel&gt;" in told and "<!channel>" not in told
    versions = await ask(workspace, MARTE, "versions P-1")
    assert "Versjon 3" in versions
    assert "Emily Clarke: endret mål, forventede resultater" in versions


async def test_a_table_session_milestones_notes_join_and_follow(workspace: Workspace) -> None:
    # Every roster person is in this workspace, so anyone the planner seats can speak.
    roster = {p.email for p in PEOPLE}
    extra = []
    for i, person in enumerate(workspace.runtime.seminar.people):
        if person.email not in roster:
            uid = f"U0ROSTER{i:02d}"
            workspace.fake.add_user(uid, email=person.email, locale="nb-NO",
                                    real_name=person.name)
            extra.append(Person(person.name, person.org, person.email, uid, "", ""))
    people = {p.email: p for p in [*PEOPLE, *extra]}

    assert "P-1" in await ask(workspace, EMILY, f"propose {LINE}")
    assert "P-2" in await ask(workspace, KARI, "propose Åpne budsjetter | Lukket | Publiser | "
                                               "transparency | apne-data | fin")
    assert "P-1" in await ask(workspace, KARI, "tables assign")
    plan = workspace.runtime.bot.records.setting("table_plan")
    table_of = {n: next(t for t in plan["tables"] if n in t["proposals"]) for n in (1, 2)}
    editors = {EMILY.email, INGRID.email, KARI.email, PER.email}
    seated = [k.split(":", 1)[1] for k in table_of[1]["people"]]
    guest = next(e for e in seated if e not in editors)
    outsider = next(e for t in plan["tables"] for e in (k.split(":", 1)[1] for k in t["people"])
                    if e not in editors and e not in seated)

    noted = await ask(workspace, people[guest], "note P-1 The table wants municipalities in")
    assert "P-1" in noted and ("notat nr. 1" in noted or "note 1" in noted)
    refusal = await ask(workspace, people[outsider], "note P-1 From another table")
    assert "sitter ved bordet til P-1" in refusal or "seated at the table of P-1" in refusal

    # Slack sends "&" as "&amp;"; it is shown as typed, escaped once.
    listing = await ask(workspace, INGRID, "milestone P-1 add 2027-01-01 2027-06-30 Pilot "
                                           "&amp; &lt;b&gt;co&lt;/b&gt;")
    assert "1. 1. januar – 30. juni 2027: Pilot &amp; &lt;b&gt;co&lt;/b&gt;" in listing
    assert "<b>" not in listing
    assert "only" in (await ask(workspace, EMILY, "milestone P-1 done 1")).lower()
    assert "ferdig" in await ask(workspace, INGRID, "milestone P-1 done 1 Started in March")

    assert "Du følger nå P-1" in await ask(workspace, MARTE, "follow P-1")
    joined = await ask(workspace, OLA, "join P-1 Folk & Fe")
    assert "Folk &amp; Fe er nå med på P-1" in joined

    assert "versjon 2" in await ask(workspace, INGRID, "edit P-1 title Open, searchable register")
    for who, says in ((MARTE, "Ny versjon av P-1"), (OLA, "Ny versjon av P-1"),
                      (EMILY, "New version of P-1")):
        (told,) = await dm_saying(workspace, who, says)
        # Slack's own marks: struck through what went, bold what came
        assert "~Open lobbying~ *Open, searchable* register" in told
    (dm,) = await workspace.sent("chat.postMessage", lambda c: c.args.get("channel") ==
                                 workspace.fake.dm_channel(MARTE.slack_id)
                                 and "Ny versjon av P-1" in str(c.args.get("text", "")))
    blocks = dm.args["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    runs = [e for b in blocks if b["type"] == "rich_text"
            for s in b["elements"] for e in s["elements"]]
    assert {"type": "text", "text": "Open lobbying", "style": {"strike": True}} in runs
    assert {"type": "text", "text": "Open, searchable", "style": {"bold": True}} in runs
    card = await ask(workspace, MARTE, "status P-1")
    assert "Andre aktører" in card and "Folk &amp; Fe" in card
    assert "Notater fra bordet" in card
