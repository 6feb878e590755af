"""A silence: matchers, who set it and why, and the time it holds."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property

from klaxon.alerts.model import Alert, ExternalOrigin
from klaxon.silences.matchers import Matcher, Operator, SilenceError, all_match

SILENCE_ID = re.compile(r"s-[0-9a-f]{6}")  # as Silence.create makes them
MAX_SILENCE = timedelta(days=30)  # longer than this is a rule's `suppress`, not a silence
RECENTLY_EXPIRED = timedelta(days=1)  # how long `silence list` keeps showing an ended silence
MAX_COMMENT_CHARS = 300
HOST = "host"


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
        return cls.restored(f"s-{secrets.token_hex(3)}", matchers, starts_at=now, ends_at=now + lasting, by=by,
                            comment=comment)

    @classmethod
    def restored(cls, silence_id: str, matchers: tuple[Matcher, ...], *, starts_at: datetime, ends_at: datetime,
                 by: str, comment: str = "") -> Silence:
        """A silence with its id and times given (a new one, or one an export kept: klaxon.configuration.as_code),
        checked; SilenceError naming the problem."""
        if not SILENCE_ID.fullmatch(silence_id):
            raise SilenceError(f"{silence_id[:20]!r} is not a silence id (s- and six hex digits)")
        if not timedelta(0) < ends_at - starts_at <= MAX_SILENCE:
            raise SilenceError(f"a silence lasts at most {MAX_SILENCE.days}d")
        if len(comment) > MAX_COMMENT_CHARS:
            raise SilenceError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
        return cls(id=silence_id, matchers=matchers, starts_at=starts_at, ends_at=ends_at, created_by=by,
                   comment=comment)

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


def alert_facts(alert: Alert) -> dict[str, str]:
    """What matchers see of an alert (SPEC §5's `host=db-7`, `source=gcp`, `severity!=info`, `text=~…`).

    From a webhook: its labels, then its source, host, service and severity, which win over labels of the
    same name (a sender cannot label its way around a silence on its host); from a channel message:
    source `slack`, the channel and poster ids. Either way `text` (what the post shows) and, when a rule
    matched, `rule` (its id).
    """
    origin = alert.origin
    if isinstance(origin, ExternalOrigin):
        facts = dict(origin.labels)
        facts.update(source=origin.source)
        facts.update({name: str(value) for name, value in ((HOST, origin.host), ("service", origin.service),
                                                           ("severity", origin.severity)) if value})
    else:
        facts = {"source": alert.source, "channel": origin.channel, "poster": origin.poster}
    facts["text"] = alert.text
    if alert.rule_id:
        facts["rule"] = alert.rule_id
    return facts


class Silencer:
    """The silences for one delivery (klaxon.alerts.ports.SilenceCheck), read from the store the first time an
    alert is judged: a delivery that raises no alert reads none, one that raises many reads them once."""

    def __init__(self, read: Callable[[], Iterable[Silence]]) -> None:
        self._read = read

    @cached_property
    def silences(self) -> tuple[Silence, ...]:
        return tuple(self._read())

    def silencing(self, alert: Alert, at: datetime) -> str | None:
        """The id of the silence covering `alert` at `at` (expiry is checked now, not when it was stored)."""
        found = covering(self.silences, alert_facts(alert), at)
        return found.id if found else None


# ---------------------------------------------------------------------- host mutes
def host_mute(host: str, *, now: datetime, lasting: timedelta, by: str, comment: str = "") -> Silence:
    """A host mute (`/klaxon hosts mute`): a silence whose one matcher is `host=<host>`, so the intake asks
    one mechanism; SilenceError if the host is not a name a matcher can hold."""
    return Silence.create((Matcher(HOST, Operator.EQUAL, host),), now=now, lasting=lasting, by=by, comment=comment)


def muted_host(silence: Silence) -> str | None:
    """The host a silence mutes, if it is a host mute (exactly one matcher, `host=<name>`)."""
    if len(silence.matchers) == 1:
        (matcher,) = silence.matchers
        if matcher.name == HOST and matcher.operator is Operator.EQUAL and matcher.value:
            return matcher.value
    return None


def host_mutes(silences: Iterable[Silence], now: datetime) -> dict[str, Silence]:
    """Each muted host's mute in force at `now` (the one ending last, when a host has several)."""
    mutes: dict[str, Silence] = {}
    for silence in silences:
        host = muted_host(silence)
        if host and silence.is_active(now) and (host not in mutes or silence.ends_at > mutes[host].ends_at):
            mutes[host] = silence
    return mutes
