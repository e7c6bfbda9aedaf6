"""Proposing a commitment: the form every platform draws, and the one validation that the form,
the one-line `propose` and the console's prompts all go through. Editing a proposal uses the
same form's text fields (`edit_form`) and the same checks of them (`check_texts`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.core.model import OGP_VALUES, TEXT_FIELDS, Milestone, Person, Proposal
from bot.core.reply import Choice, Form, FormField
from bot.core.seminar import Seminar
from bot.i18n.catalogue import t, tn
from bot.process.milestones import parse_milestone

FORM_ID = "propose"
EDIT_FORM_ID = "edit"
LIMITS = {"title": 150, "problem": 3000, "description": 3000, "goal": 3000, "results": 3000,
          "organization": 150, "milestones": 3000}
REQUIRED_TEXT = ("title", "problem", "description")
# What a person may type for a value: the English key, the bokmål and the nynorsk names.
_VALUE_WORDS = {
    "transparency": "transparency", "åpenhet": "transparency", "apenhet": "transparency",
    "openness": "transparency", "innsyn": "transparency", "openheit": "transparency",
    "participation": "participation", "deltakelse": "participation", "medvirkning": "participation",
    "deltaking": "participation", "medverknad": "participation",
    "accountability": "accountability", "ansvarlighet": "accountability",
    "ansvarlig forvaltning": "accountability", "ansvar": "accountability",
    "ansvarlegheit": "accountability", "ansvarleg forvaltning": "accountability",
}


@dataclass(frozen=True)
class Draft:
    """A proposal that passed validation, before it gets a number."""

    title: str
    problem: str
    description: str
    values: tuple[str, ...]
    area: str
    ministry: str
    milestones: tuple[Milestone, ...]
    organization: str | None  # only for people not on the roster
    goal: str = ""
    results: str = ""


def needs_organization(person: Person) -> bool:
    return not person.on_roster


def build_form(seminar: Seminar, person: Person, language: str,
               typed: Mapping[str, Any] | None = None) -> Form:
    """The proposal form, with `typed` values filled in (a title from `/propose TITLE`, or what
    a refused submission held)."""
    typed = typed or {}

    def initial(name: str) -> str:
        value = typed.get(name)
        return value if isinstance(value, str) else ""

    raw_values = typed.get("values")
    values = tuple(v for v in (raw_values if isinstance(raw_values, list | tuple) else [])
                   if v in OGP_VALUES)
    fields = [
        *_text_fields(language, initial),
        FormField("values", t(language, "propose.values"), "multi_choice",
                  choices=tuple(Choice(v, t(language, f"value.{v}")) for v in OGP_VALUES),
                  hint=t(language, "propose.values.hint"), initial=values),
        FormField("area", t(language, "propose.area"), "choice",
                  choices=tuple(Choice(a.key, a.name) for a in seminar.areas),
                  initial=initial("area")),
        FormField("ministry", t(language, "propose.ministry"), "choice",
                  choices=tuple(Choice(o.key, o.name) for o in seminar.ministries),
                  initial=initial("ministry")),
        FormField("milestones", t(language, "propose.milestones"), "multiline", required=False,
                  max_length=LIMITS["milestones"], hint=t(language, "propose.milestones.hint"),
                  initial=initial("milestones")),
    ]
    if needs_organization(person):
        fields.append(FormField(
            "organization", t(language, "propose.organization"), "text",
            max_length=LIMITS["organization"], hint=t(language, "propose.organization.hint"),
            initial=initial("organization") or (person.org_name or "")))
    title = initial("title")
    return Form(FORM_ID, t(language, "propose.form_title"), t(language, "propose.submit"),
                with_missing(fields, language),
                words=f"propose {title}".strip() if "\n" not in title else "propose")


def _text_fields(language: str, initial: Any) -> list[FormField]:
    """The proposal's own text: title, problem, description, goal and expected results."""
    return [
        FormField(name, t(language, f"propose.{name}"),
                  "text" if name == "title" else "multiline", required=name in REQUIRED_TEXT,
                  max_length=LIMITS[name], hint=t(language, f"propose.{name}.hint"),
                  initial=initial(name))
        for name in TEXT_FIELDS
    ]


def edit_form(proposal: Proposal, language: str, typed: Mapping[str, Any] | None = None,
              base: int | None = None) -> Form:
    """The proposal's text fields, filled in with `typed` (what the person wrote) or else its
    current text; the form remembers the version it was filled in from (`base`)."""
    texts = proposal.texts()

    def initial(name: str) -> str:
        value = (typed or {}).get(name)
        return value if isinstance(value, str) else texts[name]

    return Form(EDIT_FORM_ID, t(language, "edit.form_title", ref=proposal.ref),
                t(language, "edit.submit"), with_missing(_text_fields(language, initial), language),
                hidden={"proposal": proposal.ref,
                        "base": str(base if base is not None else proposal.version)},
                words=f"edit {proposal.ref}")


def check_texts(language: str, raw: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A proposal's text fields from a form or a line, stripped; and each problem (a required
    one left empty, one too long) keyed by its field id."""
    texts = {name: _text(raw, name) for name in TEXT_FIELDS}
    errors: dict[str, str] = {}
    for name, text in texts.items():
        label = t(language, f"propose.{name}")
        if name in REQUIRED_TEXT and not text:
            errors[name] = t(language, "propose.missing", field=label)
        elif len(text) > LIMITS[name]:
            errors[name] = t(language, "propose.too_long", field=label, length=len(text),
                             limit=LIMITS[name])
    return texts, errors


def with_missing(fields: list[FormField], language: str) -> tuple[FormField, ...]:
    """The fields, each required one with the sentence it shows when left empty."""
    return tuple(replace(f, missing=_missing(f, language)) if f.required else f for f in fields)


def _missing(field: FormField, language: str) -> str:
    """What a required field says when it is left empty (the same sentence `validate`
    gives)."""
    if field.id == "values":
        return t(language, "propose.no_value")
    return t(language, "propose.missing", field=field.label)


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def match_value(word: str) -> str | None:
    return _VALUE_WORDS.get(" ".join(word.lower().split()))


def match_area(seminar: Seminar, text: str) -> str | None:
    wanted = text.strip().casefold()
    return next((a.key for a in seminar.areas
                 if wanted in (a.key.casefold(), a.name.casefold())), None)


def match_ministry(seminar: Seminar, text: str) -> str | None:
    wanted = text.strip().casefold()
    return next((o.key for o in seminar.ministries
                 if wanted in (o.key.casefold(), o.name.casefold())), None)


def validate(seminar: Seminar, person: Person, language: str,
             raw: Mapping[str, Any]) -> tuple[Draft | None, dict[str, str]]:
    """Check submitted fields; return a draft, or each problem keyed by its field id."""
    errors: dict[str, str] = {}
    labels = {name: t(language, f"propose.{name}") for name in LIMITS}
    texts = {name: _text(raw, name) for name in LIMITS}
    for name in REQUIRED_TEXT:
        if not texts[name]:
            errors[name] = t(language, "propose.missing", field=labels[name])
    for name, limit in LIMITS.items():
        if len(texts[name]) > limit:
            errors[name] = tn(language, "propose.too_long", len(texts[name]),
                              field=labels[name], length=len(texts[name]), limit=limit)

    raw_values = raw.get("values")
    words = (raw_values.split(",") if isinstance(raw_values, str)
             else [v for v in raw_values if isinstance(v, str)]
             if isinstance(raw_values, list | tuple) else [])
    values: list[str] = []
    for word in (w for w in words if w.strip()):
        value = match_value(word)
        if value is None:
            errors["values"] = t(language, "propose.bad_value", text=word.strip()[:60])
            break
        if value not in values:
            values.append(value)
    if not values and "values" not in errors:
        errors["values"] = t(language, "propose.no_value")

    area = match_area(seminar, _text(raw, "area"))
    if area is None:
        given = _text(raw, "area")
        errors["area"] = (t(language, "propose.bad_area", text=given[:60],
                            choices=", ".join(a.key for a in seminar.areas)) if given
                          else t(language, "propose.missing", field=t(language, "propose.area")))
    ministry = match_ministry(seminar, _text(raw, "ministry"))
    if ministry is None:
        given = _text(raw, "ministry")
        errors["ministry"] = (t(language, "propose.bad_ministry", text=given[:60],
                                choices=", ".join(o.key for o in seminar.ministries)) if given
                              else t(language, "propose.missing",
                                     field=t(language, "propose.ministry")))

    milestones: list[Milestone] = []
    for line in texts["milestones"].splitlines():
        if not line.strip():
            continue
        milestone = parse_milestone(line)
        if isinstance(milestone, str):
            errors.setdefault("milestones", t(language, milestone, text=line.strip()[:60]))
        else:
            milestones.append(milestone)

    organization = texts["organization"] or None
    if organization and not needs_organization(person):
        org = seminar.org(person.org or "")
        errors["organization"] = t(language, "propose.org_not_needed",
                                   org=org.name if org else "")
    if errors:
        return None, errors
    assert area is not None and ministry is not None
    return Draft(texts["title"], texts["problem"], texts["description"], tuple(values), area,
                 ministry, tuple(milestones), organization, texts["goal"],
                 texts["results"]), {}


def parse_line(rest: str) -> dict[str, str] | int:
    """Split a one-line proposal into its fields; the count of parts when it has the wrong
    number of them."""
    parts = [p.strip() for p in rest.split("|")]
    if len(parts) not in (6, 7):
        return len(parts)
    names = ("title", "problem", "description", "values", "area", "ministry", "organization")
    return dict(zip(names, parts, strict=False))
