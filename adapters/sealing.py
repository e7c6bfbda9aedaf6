"""Secrets the bot keeps in its store (the Slack workspaces' bot tokens), sealed with
`OGPBOT_SECRET_KEY`: Fernet from the `cryptography` package (AES-128-CBC with an HMAC-SHA256,
so a sealed value that was changed or sealed under another key does not open at all).

`OGPBOT_SECRET_KEY` holds one Fernet key (32 random bytes in URL-safe base64, as
`new_key()` makes them), or several separated by commas to change keys without losing what was
sealed: the first seals, every one opens. What a backup or a copy of the store holds is then
useless without the key, which lives only in the environment.
"""

from __future__ import annotations

import binascii

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

MAKE_ONE = ('.venv/bin/python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"')


_MAKE = f"make one with {MAKE_ONE} and keep it with the other secrets."


class Unsealable(Exception):
    """A sealed value that none of the keys opens (the key changed, or the value did)."""


def new_key() -> str:
    """A fresh key for `OGPBOT_SECRET_KEY`."""
    return Fernet.generate_key().decode("ascii")


def key_problem(value: str) -> str | None:
    """Why `value` is no `OGPBOT_SECRET_KEY` (one sentence, without the value), or None."""
    keys = [part.strip() for part in value.split(",")]
    if not value.strip() or not all(keys):
        return f"OGPBOT_SECRET_KEY is empty: {_MAKE}"
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError, binascii.Error):
            which = f"key {number} of OGPBOT_SECRET_KEY" if len(keys) > 1 else \
                "OGPBOT_SECRET_KEY"
            return (f"{which} is not a Fernet key (32 random bytes in URL-safe base64): "
                    f"{_MAKE}")
    return None


class Sealer:
    """Seals and opens short secrets with the keys of `OGPBOT_SECRET_KEY`."""

    def __init__(self, secret_key: str) -> None:
        problem = key_problem(secret_key)
        if problem is not None:
            raise ValueError(problem)
        self._fernet = MultiFernet([Fernet(key.strip().encode("ascii"))
                                    for key in secret_key.split(",")])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The secret; `Unsealable` when no key opens it."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise Unsealable("none of the keys in OGPBOT_SECRET_KEY opens it") from exc
