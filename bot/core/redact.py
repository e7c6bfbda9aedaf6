"""What a log line may say about a person: never their e-mail address, name or platform id,
but a short stable stand-in (`~3f9a1c2e`) that is the same in every line and every run, so one
person's trail can still be followed through the log without the log naming them.

The stand-in is a truncated SHA-256 of the value: it hides the value from whoever reads the
log, not from someone who already holds a list of candidate addresses and hashes them too.
"""

from __future__ import annotations

import hashlib
import re

# Good enough to catch what a notice key or an error text may carry; not a validator.
_EMAIL = re.compile(r"[^\s:@<>()\[\],;\"']+@[^\s:@<>()\[\],;\"']+\.[A-Za-z]{2,}")


def pseudonym(value: str) -> str:
    """A short stand-in for a person's e-mail, name, id or person key; the same value (in any
    letter case) gives the same stand-in."""
    digest = hashlib.sha256(value.strip().casefold().encode("utf-8")).hexdigest()
    return "~" + digest[:8]


def scrub(text: str) -> str:
    """`text` with every e-mail address in it replaced by its stand-in (e.g. a notice key that
    ends in a roster person's key)."""
    return _EMAIL.sub(lambda m: pseudonym(m.group(0)), text)
