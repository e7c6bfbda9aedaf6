"""What the core is asked: who spoke, where, and the words or form fields they sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Speaker:
    """The person behind a command, as the platform knows them."""

    platform: str  # "slack", "teams" or "console"
    user_id: str
    name: str = ""
    email: str | None = None
    locale: str | None = None  # e.g. "nb-NO", "en-US"
    # The person's Microsoft Entra object id, from an authenticated Teams activity of an
    # allowed tenant only; matched against the roster's `aad_object_id` within `tenant_id`.
    aad_object_id: str | None = None
    # The Entra tenant that object id belongs to (a guest's is the tenant that invited them).
    tenant_id: str | None = None


@dataclass(frozen=True)
class Place:
    """The conversation a command came from; notices can later be sent back to it."""

    platform: str
    conversation_id: str
    is_direct: bool = False
    name: str = ""
    reference: Mapping[str, Any] = field(default_factory=dict)  # what the platform needs later


@dataclass(frozen=True)
class Command:
    """One input: either `words` (a chat line) or a submitted form (`form_id` and `form`)."""

    speaker: Speaker
    place: Place
    words: str = ""
    form_id: str | None = None
    form: Mapping[str, Any] | None = None
    request_key: str | None = None  # a platform's delivery id: seen twice, handled once
