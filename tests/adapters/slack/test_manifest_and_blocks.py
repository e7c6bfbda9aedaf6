"""The shipped Slack manifest, and Block Kit drawing held to Slack's own limits."""

from __future__ import annotations

from pathlib import Path

import yaml
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.blocks import escape, fallback_text, form_view, home_view, reply_blocks
from adapters.slack.inbound import words_of
from adapters.slack.oauth import REDIRECT_PATH, SCOPES
from bot.core.reply import Action, Choice, Field, Form, FormField, Marked, Reply

MANIFEST = Path(__file__).resolve().parents[3] / "adapters" / "slack" / "manifest.yaml"


def test_manifest_asks_for_least_privilege_and_points_at_one_url() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "chat:write", "im:write", "im:history", "app_mentions:read",
                      "users:read", "users:read.email", "files:write"}
    assert not {"channels:history", "groups:history", "chat:write.public", "admin"} & scopes
    commands = {c["command"]: c["url"] for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/ogp", "/propose", "/status"}
    settings = manifest["settings"]
    urls = {*commands.values(), settings["event_subscriptions"]["request_url"],
            settings["interactivity"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.im", "app_uninstalled", "tokens_revoked"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_the_install_flow_asks_for_the_manifests_scopes_and_returns_to_the_bot() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert set(SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"])
    [redirect] = manifest["oauth_config"]["redirect_urls"]
    assert redirect.endswith(REDIRECT_PATH)


def test_a_long_reply_stays_within_slacks_limits() -> None:
    reply = Reply(language="en", title="All proposals " + "x" * 4000,
                  fields=tuple(Field(f"F{i}", "v" * 2500) for i in range(14)),
                  lines=tuple(f"P-{i} " + "y" * 400 for i in range(400)),
                  actions=tuple(Action(f"Status P-{i}", f"status P-{i}") for i in range(30)))
    blocks = reply_blocks(reply)
    assert len(blocks) <= 50
    for raw in blocks:
        Block.parse(raw).validate_json()
    assert blocks[-1]["type"] == "actions" and len(blocks[-1]["elements"]) == 25


def test_form_and_home_views_validate() -> None:
    form = Form("propose", "A very long form title that Slack would refuse", "Submit", (
        FormField("title", "Title", "text", max_length=150, initial="<!here> & more"),
        FormField("values", "Values", "multi_choice",
                  choices=(Choice("transparency", "transparency"),), initial=("transparency",)),
        FormField("area", "Area", "choice", choices=(Choice("a", "A " * 60),), initial="a"),
        FormField("milestones", "Milestones", "multiline", required=False),
    ))
    view = form_view(form, "en", {"channel": "C0PLENARY"})
    View(**view).validate_json()
    title = view["blocks"][0]["element"]["initial_value"]
    assert title == "<!here> & more"  # an input shows exactly what was typed
    home = home_view("nb", [Reply(language="nb", title="Dine forslag",
                                  lines=("P-1 <!channel> – innsendt",))])
    View(**home).validate_json()
    assert "&lt;!channel&gt;" in str(home) and "<!channel>" not in str(home)


def test_escape_and_words_of() -> None:
    assert escape("a & <b> <!here>") == "a &amp; &lt;b&gt; &lt;!here&gt;"
    assert words_of("<@U0OGPBOT1> status  P-1", "U0OGPBOT1") == "status P-1"
    assert words_of("hei <@U0OGPBOT1|ogpbot> meet P-2 2026-12-03 14:00 Møterom &amp; kafé",
                    "U0OGPBOT1") == "hei meet P-2 2026-12-03 14:00 Møterom & kafé"
    assert words_of("status <mailto:a@b.no|a@b.no> <https://x.no>", None) == \
        "status a@b.no https://x.no"


def test_a_change_is_drawn_with_slacks_own_marks_and_its_words_stay_as_typed() -> None:
    change = Marked("Goal", (("same", "Every "), ("removed", "<!channel> *meeting*"),
                             ("added", "meetings ~all~ & more "), ("same", "public")))
    reply = Reply(language="en", title="New version", lines=("Saved by Kari.", change))
    blocks = reply_blocks(reply)
    for block in blocks:
        Block.parse(block).validate_json()
    (rich,) = [b for b in blocks if b["type"] == "rich_text"]
    runs = rich["elements"][0]["elements"]
    assert runs == [
        {"type": "text", "text": "Goal: ", "style": {"bold": True}},
        {"type": "text", "text": "Every "},
        {"type": "text", "text": "<!channel> *meeting*", "style": {"strike": True}},
        {"type": "text", "text": " "},  # the removed and the added words apart
        {"type": "text", "text": "meetings ~all~ & more", "style": {"bold": True}},
        {"type": "text", "text": " "},
        {"type": "text", "text": "public"}]
    # notifications show the fallback: mrkdwn marks around the words, the words escaped
    assert fallback_text(reply).splitlines()[-1] == \
        "Goal: Every ~&lt;!channel&gt; *meeting*~ *meetings ~all~ &amp; more* public"
    # the plain text every other platform reads: Markdown's marks
    assert str(change) == "Goal: Every ~~<!channel> *meeting*~~ **meetings ~all~ & more** public"
