"""Comms channel names: `inc-YYYYMMDD-slug`, within Slack's rules, made unique when taken.

Slack channel names are at most 80 characters of lower-case letters, digits, hyphens and underscores
(https://api.slack.com/methods/conversations.create#naming); a name held by any channel, archived ones
included, answers `name_taken`, so the next candidate adds `-2`, `-3`, ….
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime

MAX_CHANNEL_CHARS = 80
MAX_SLUG_CHARS = 40
MAX_ATTEMPTS = 20
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_STOP_WORDS = {"the", "a", "an", "is", "are", "on", "in", "of", "for", "to", "and", "at", "with"}


def slug(text: str) -> str:
    """A channel-name-safe slug of a summary: lower-case ASCII words joined by hyphens, cut at a word."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in _NOT_ALLOWED.sub(" ", ascii_text).split() if w not in _STOP_WORDS] or ["incident"]
    kept: list[str] = []
    for word in words:
        if len("-".join([*kept, word])) > MAX_SLUG_CHARS:
            break
        kept.append(word)
    return "-".join(kept) or words[0][:MAX_SLUG_CHARS]


def channel_names(summary: str, declared_at: datetime, wanted: str | None = None) -> Iterator[str]:
    """Names to try in order: the base name, then `-2`, `-3`, … up to MAX_ATTEMPTS."""
    base = normalised(wanted) if wanted else f"inc-{declared_at:%Y%m%d}-{slug(summary)}"
    yield base
    for n in range(2, MAX_ATTEMPTS + 1):
        suffix = f"-{n}"
        yield base[:MAX_CHANNEL_CHARS - len(suffix)] + suffix


def normalised(name: str) -> str:
    """A name someone asked for (`rename`), made valid: `#Inc DB outage` → `inc-db-outage`."""
    cleaned = _NOT_ALLOWED.sub("-", name.strip().lstrip("#").lower()).strip("-")
    if not cleaned:
        raise ValueError("a channel name needs letters or digits")
    return cleaned[:MAX_CHANNEL_CHARS]
