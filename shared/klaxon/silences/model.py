"""A silence: matchers, who set it and why, and the time it holds."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from klaxon.alerts.external import ExternalEvent
from klaxon.silences.matchers import Matcher, SilenceError, all_match

MAX_SILENCE = timedelta(days=30)  # longer than this is a rule's `suppress`, not a silence
RECENTLY_EXPIRED = timedelta(days=1)  # how long `silence list` keeps showing an ended silence
MAX_COMMENT_CHARS = 300
SLACK_SOURCE = "slack"  # the source of alerts raised from channel messages


@dataclass(frozen=True)
class Silence:
    """Alerts matching every matcher are recorded but neither posted nor paged, from `starts_at` to `ends_at`."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str = ""
    expired_by: str | None = None  # who ended it early (`silence expire`), if anyone

    @classmethod
    def create(cls, matchers: tuple[Matcher, ...], *, now: datetime, lasting: timedelta, by: str,
               comment: str = "") -> Silence:
        """A new silence from now, for `lasting`; SilenceError if it is too long or its comment is."""
        if not timedelta(0) < lasting <= MAX_SILENCE:
            raise SilenceError(f"a silence lasts at most {MAX_SILENCE.days}d")
        if len(comment) > MAX_COMMENT_CHARS:
            raise SilenceError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
        return cls(id=f"s-{secrets.token_hex(3)}", matchers=matchers, starts_at=now, ends_at=now + lasting,
                   created_by=by, comment=comment)

    def is_active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def covers(self, facts: Mapping[str, str], now: datetime) -> bool:
        """Whether this silence holds now and every matcher matches the alert's facts."""
        return self.is_active(now) and all_match(self.matchers, facts)

    def expired(self, by: str, now: datetime) -> Silence:
        """Ended now by `by`; an already ended silence is returned unchanged."""
        if not self.is_active(now):
            return self
        return replace(self, ends_at=now, expired_by=by)


def covering(silences: Iterable[Silence], facts: Mapping[str, str], now: datetime) -> Silence | None:
    """The silence that covers an alert with these facts now, if any (the one ending last, for the record)."""
    holding = [silence for silence in silences if silence.covers(facts, now)]
    return max(holding, key=lambda silence: silence.ends_at) if holding else None


def listed(silences: Iterable[Silence], now: datetime) -> list[Silence]:
    """What `silence list` shows: active silences (ending soonest first), then those ended in the last day."""
    active = sorted((s for s in silences if s.is_active(now)), key=lambda s: s.ends_at)
    ended = sorted((s for s in silences if now - RECENTLY_EXPIRED <= s.ends_at <= now),
                   key=lambda s: s.ends_at, reverse=True)
    return active + ended


def external_facts(event: ExternalEvent) -> dict[str, str]:
    """What matchers see of a webhook alert: its labels, then source, host, service, severity and text."""
    facts = dict(event.labels)
    facts.update(source=event.source, text=f"{event.title}\n{event.text}".strip())
    facts.update({name: value for name, value in (("host", event.host), ("service", event.service),
                                                  ("severity", event.severity)) if value})
    return facts


def message_facts(*, channel: str, poster: str, text: str, rule_id: str | None) -> dict[str, str]:
    """What matchers see of an alert raised from a channel message."""
    facts = {"source": SLACK_SOURCE, "channel": channel, "poster": poster, "text": text}
    if rule_id:
        facts["rule"] = rule_id
    return facts
