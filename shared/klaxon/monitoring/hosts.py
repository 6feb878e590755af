"""The host board (uptime-check-manager's purpose): per host, up or down, since when, and the last change.

A host is down while any alert about it is firing, and up once every one of them resolved. Its board is
one message per board channel, redrawn in place on the sweep instead of one post per event; down hosts
come first (longest down first), then muted ones, then a count of the hosts that are up.

Hosts are learnt from what monitoring sources report (`host_changes`): every event whose alert names a host
(GCP uptime checks' checked host, Alertmanager's and Grafana's `instance`/`host` labels, the generic `host`,
CloudWatch's instance dimension), once the alert intake has applied it - an event it found stale, or one a
rule suppressed, moves no host.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from klaxon.alerts.lifecycle import Change, key_hash

if TYPE_CHECKING:
    from klaxon.alerts.intake import Taken  # the intake needs the store's ports, which name this module's

MAX_HOST_CHARS = 255
MAX_FIRING_PER_HOST = 100  # alerts remembered per host: a host with more is down all the same


@dataclass(frozen=True)
class HostChange:
    """What an event says about a host: one of its alerts (by `alert_key`) firing or not, at a time."""

    host: str
    alert_key: str
    firing: bool
    at: datetime
    title: str = ""


@dataclass(frozen=True)
class Host:
    """One host as the board shows it."""

    name: str
    since: datetime  # when it last went up or down (or was first seen)
    last_change: datetime  # the latest event about it
    firing: tuple[str, ...] = ()  # keys of its alerts firing now
    latest_title: str = ""  # what the latest firing alert said

    @property
    def is_up(self) -> bool:
        return not self.firing


def host_changes(taken: Sequence[Taken], now: datetime) -> list[HostChange]:
    """What a request's events, as the intake took them, say about hosts, in order (`now` for events without a
    time of their own, as the intake dates them)."""
    changes = []
    for outcome in taken:
        event = outcome.event
        if event.host and outcome.change is not None and outcome.change is not Change.STALE:
            changes.append(HostChange(host=event.host[:MAX_HOST_CHARS],
                                      alert_key=alert_key(event.source, event.dedup_key), firing=not event.is_resolved,
                                      at=event.moment(now), title=event.title))
    return changes


def alert_key(source: str, dedup_key: str) -> str:
    """How a host remembers one of its alerts: short, whatever the source's key (up to 1,024 characters)."""
    return f"{source}:{key_hash(dedup_key)[:16]}"


def apply(host: Host | None, change: HostChange) -> Host:
    """The host after `change` (a new host if it was unknown); `since` moves only when up/down flips."""
    if host is None:
        host = Host(name=change.host, since=change.at, last_change=change.at)
    firing = [key for key in host.firing if key != change.alert_key]
    if change.firing:
        firing = [*firing, change.alert_key][-MAX_FIRING_PER_HOST:]
    changed = replace(host, firing=tuple(firing), last_change=max(host.last_change, change.at),
                      latest_title=change.title if change.firing and change.title else host.latest_title)
    flipped = changed.is_up != host.is_up
    return replace(changed, since=change.at) if flipped else changed


@dataclass(frozen=True)
class Board:
    """What a host board shows at one moment."""

    down: tuple[Host, ...]  # longest down first
    muted: tuple[tuple[Host, datetime], ...]  # with when the mute ends
    up: int  # hosts up and not muted
    total: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", len(self.down) + len(self.muted) + self.up)

    @property
    def fingerprint(self) -> str:
        """Changes exactly when what the board shows changes."""
        shown = ([(h.name, h.since.isoformat(), h.firing) for h in self.down],
                 [(h.name, h.is_up, until.isoformat()) for h, until in self.muted], self.up)
        return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


class HostRepository(Protocol):
    """Hosts as the board shows them: DynamoDB in the functions (one partition, one paginated query for the
    board), an in-memory fake in unit tests."""

    def record(self, changes: Sequence[HostChange]) -> None:
        """Apply the changes (in order per host) to their hosts, each exactly once however writers race."""
        ...

    def all(self) -> list[Host]:
        """Every host, in name order."""
        ...


def compose(hosts: Iterable[Host], muted_until: dict[str, datetime]) -> Board:
    """The board for `hosts`; `muted_until` maps each muted host to when its mute ends."""
    down, muted, up = [], [], 0
    for host in hosts:
        if host.name in muted_until:
            muted.append((host, muted_until[host.name]))
        elif not host.is_up:
            down.append(host)
        else:
            up += 1
    down.sort(key=lambda h: (h.since, h.name))
    muted.sort(key=lambda pair: pair[0].name)
    return Board(down=tuple(down), muted=tuple(muted), up=up)
