"""A structural check of ogpbot's Adaptive Cards, written from the published Adaptive Card
schema (version 1.4) for the elements ogpbot uses: types, required properties, the version.

No Adaptive Card schema ships in a Python package, so this subset lives here; `jsonschema`
applies it, and an element of a type ogpbot does not use fails the check. Where Node and the
npm `adaptivecards` package are installed, Microsoft's renderer parses each card too.
"""

from __future__ import annotations

from typing import Any

import jsonschema

from tests.adapters.teams.renderer_check import renderer_problems

_COLORS = ["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"]
_TEXT_STYLE = {
    "weight": {"enum": ["Default", "Lighter", "Bolder"]},
    "color": {"enum": _COLORS},
    "size": {"enum": ["Default", "Small", "Medium", "Large", "ExtraLarge"]},
    "isSubtle": {"type": "boolean"},
}
TEXT_BLOCK = {
    "type": "object", "required": ["type", "text"],
    "properties": {"type": {"const": "TextBlock"}, "text": {"type": "string"},
                   "wrap": {"type": "boolean"}, **_TEXT_STYLE},
    "additionalProperties": False,
}
TEXT_RUN = {
    "type": "object", "required": ["type", "text"],
    "properties": {"type": {"const": "TextRun"}, "text": {"type": "string"}, **_TEXT_STYLE,
                   # a run's own styles (1.2; underline 1.3)
                   "strikethrough": {"type": "boolean"}, "italic": {"type": "boolean"},
                   "highlight": {"type": "boolean"}, "underline": {"type": "boolean"}},
    "additionalProperties": False,
}
RICH_TEXT = {
    "type": "object", "required": ["type", "inlines"],
    "properties": {"type": {"const": "RichTextBlock"},
                   "inlines": {"type": "array", "items": TEXT_RUN, "minItems": 1},
                   "fallback": TEXT_BLOCK},
    "additionalProperties": False,
}
_INPUT = {"id": {"type": "string", "minLength": 1}, "label": {"type": "string"},
          "isRequired": {"type": "boolean"}, "errorMessage": {"type": "string"}}
INPUT_TEXT = {
    "type": "object", "required": ["type", "id"],
    "properties": {"type": {"const": "Input.Text"}, **_INPUT,
                   "isMultiline": {"type": "boolean"},
                   "maxLength": {"type": "integer", "minimum": 1},
                   "placeholder": {"type": "string"}, "value": {"type": "string"}},
    "additionalProperties": False,
}
CHOICE_SET = {
    "type": "object", "required": ["type", "id", "choices"],
    "properties": {
        "type": {"const": "Input.ChoiceSet"}, **_INPUT,
        "choices": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["title", "value"], "additionalProperties": False,
            "properties": {"title": {"type": "string"}, "value": {"type": "string"}}}},
        "isMultiSelect": {"type": "boolean"},
        "style": {"enum": ["compact", "expanded", "filtered"]},
        "value": {"type": "string"}},
    "additionalProperties": False,
}
SUBMIT = {
    "type": "object", "required": ["type"],
    "properties": {"type": {"const": "Action.Submit"}, "title": {"type": "string"},
                   "style": {"enum": ["default", "positive", "destructive"]},
                   "data": {"type": "object"}},
    "additionalProperties": False,
}
CARD = {
    "type": "object", "required": ["type", "version", "body"],
    "properties": {
        "$schema": {"type": "string"},
        "type": {"const": "AdaptiveCard"},
        "version": {"type": "string", "pattern": r"^1\.[0-5]$"},
        "body": {"type": "array", "minItems": 1,
                 "items": {"oneOf": [TEXT_BLOCK, RICH_TEXT, INPUT_TEXT, CHOICE_SET]}},
        "actions": {"type": "array", "items": SUBMIT},
        "fallbackText": {"type": "string"},
        "msteams": {"type": "object"},
    },
    "additionalProperties": False,
}


def assert_valid_card(card: dict[str, Any]) -> None:
    jsonschema.validate(card, CARD, cls=jsonschema.Draft202012Validator)
    problems = renderer_problems(card)
    assert not problems, f"Microsoft's renderer reports: {problems}"
    ids = [e["id"] for e in card["body"] if "id" in e]
    assert len(ids) == len(set(ids)), f"input ids repeat: {ids}"
