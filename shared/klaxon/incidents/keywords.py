"""Keyword replies (SPEC §4, Response's keyword handlers): a message in a comms channel that contains a
phrase an admin set (`/klaxon keyword add "runbook" reply "Runbooks: https://…"`) gets the reply in its
thread, once per incident.

A phrase matches whole words, in any case (`runbook` matches "where is the Runbook?", not "runbooks2"); it
is compared with the message's text as people read it. Matching is a literal search, never a pattern,
so no phrase can be slow.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_KEYWORDS = 50
MAX_PHRASE_CHARS = 100
MAX_REPLY_CHARS = 2000
_KEYWORD_ID = re.compile(r"^k-[0-9a-f]{6}$")


class KeywordError(ValueError):
    """A keyword reply that cannot be kept as given; the message says why."""


@dataclass(frozen=True)
class KeywordReply:
    """A phrase (as typed, compared in any case) and the reply to it (in Slack's markup, posted as it is)."""

    id: str
    phrase: str
    reply: str

    def __post_init__(self) -> None:
        if not _KEYWORD_ID.match(self.id):
            raise KeywordError(f"{self.id!r} is not a keyword id (k- and six hex digits)")
        if not self.phrase.strip():
            raise KeywordError("a keyword needs a word or phrase to look for")
        if len(self.phrase) > MAX_PHRASE_CHARS:
            raise KeywordError(f"a keyword is at most {MAX_PHRASE_CHARS} characters")
        if not self.reply.strip():
            raise KeywordError("a keyword needs a reply")
        if len(self.reply) > MAX_REPLY_CHARS:
            raise KeywordError(f"a reply is at most {MAX_REPLY_CHARS} characters")

    @classmethod
    def create(cls, phrase: str, reply: str) -> KeywordReply:
        return cls(id=f"k-{secrets.token_hex(3)}", phrase=" ".join(phrase.split()), reply=reply.strip())

    def found_in(self, text: str) -> bool:
        """Whether `text` (as people read it) contains the phrase as whole words, in any case."""
        words = r"\s+".join(re.escape(word) for word in self.phrase.split())
        return re.search(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE) is not None

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "phrase": self.phrase, "reply": self.reply}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> KeywordReply:
        try:
            return cls(id=str(record["id"]), phrase=str(record["phrase"]), reply=str(record["reply"]))
        except KeyError as missing:
            raise KeywordError(f"a keyword reply is missing {missing}") from None


def replies_for(text: str, keywords: Sequence[KeywordReply]) -> list[KeywordReply]:
    """The keyword replies a message's text calls for, in the order they were added."""
    return [keyword for keyword in keywords if keyword.found_in(text)]
