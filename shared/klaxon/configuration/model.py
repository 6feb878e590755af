"""The workspace's configuration: rules, channel defaults and preferences, as one versioned snapshot.

Every edit bumps one version number in the same transaction as the change, so a warm container can
keep its compiled rules and revalidate them with one small read: the snapshot is reloaded only when
the version moved.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from klaxon.alerts.external import SOURCES
from klaxon.incidents.keywords import MAX_KEYWORDS, KeywordReply
from klaxon.paging.policies import EscalationPolicy
from klaxon.rules import ChannelDefault, Rule, RuleBook

if TYPE_CHECKING:
    from klaxon.silences.model import Silence

DEFAULT_HANDLED_REACTION = "white_check_mark"
EVERY_CHANNEL = "*"  # the channel-defaults key for channels without a default of their own
_REACTION = re.compile(r"^[a-z0-9_+'-]{1,100}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
MAX_ACK_TIMEOUT_SECONDS = 7 * 86_400


class ConfigurationError(ValueError):
    """A setting or stored configuration is not valid; the message names it."""


class InsufficientData(StrEnum):
    """What a CloudWatch alarm going to INSUFFICIENT_DATA means for its alert (`settings insufficient-data`)."""

    IGNORE = "ignore"  # the alert stays as it is
    FIRE = "fire"  # missing data is a problem: the alert fires
    RESOLVE = "resolve"  # missing data ends the alarm: the alert resolves


@dataclass(frozen=True)
class Preferences:
    """Workspace-wide settings an admin changes with `/klaxon settings`."""

    handled_reactions: tuple[str, ...] = (DEFAULT_HANDLED_REACTION,)
    grouping_window_seconds: int = 600
    digest_after_seconds: int = 900  # an alert unacknowledged this long is listed in the digest
    verbose_digest: bool = False  # also list handled alerts and who handled them (IMS's OK/NG view)
    reminder_channel: str | None = None
    reminder_hours: tuple[str, ...] = ()  # "HH:MM" local times in reminder_zone
    reminder_zone: str = "UTC"
    reconcile_limit: int = 5  # reactions.get calls per sweep to repair missed reaction events
    unmatched_channel: str | None = None  # where a channel default of `alert` reposts (else INCIDENTS_CHANNEL)
    unmatched_label: str = "[Unmatched]"
    paging_channels: tuple[str, ...] = ()  # where a mention of Klaxon pages; empty: every channel
    dm_reply: str | None = None  # what Klaxon answers a direct message; None: its default explanation
    # Monitoring sources (SPEC §5): where a source's alerts go when no rule takes them (else INCIDENTS_CHANNEL),
    # the policy they page when nobody acknowledges them within the ack timeout (else the rules' default).
    source_channels: Mapping[str, str] = field(default_factory=dict)  # source → channel id
    source_policies: Mapping[str, str] = field(default_factory=dict)  # source → policy name
    source_ack_timeouts: Mapping[str, int] = field(default_factory=dict)  # source → seconds
    insufficient_data: InsufficientData = InsufficientData.IGNORE
    host_board_channels: tuple[str, ...] = ()  # where the host board is kept; empty: no board
    host_board_every_seconds: int = 300  # how often the sweep redraws it (when what it shows changed)
    # Declared incidents (SPEC §4): the severity at or above which they page (None: never), and reminders.
    incident_paging_severity: int | None = 2
    incident_no_lead_seconds: int = 300
    incident_no_severity_seconds: int = 300
    incident_no_update_severe_seconds: int = 1800  # severity 1-2
    incident_no_update_seconds: int = 7200
    incident_break_seconds: int = 10_800
    incident_close_hours: tuple[str, ...] = ("09:00", "18:00")  # the close reminder's working hours
    incident_zone: str = "UTC"
    incident_reminder_times: int = 3  # each reminder at most this often per occasion

    def __post_init__(self) -> None:
        if not self.handled_reactions:
            raise ConfigurationError("at least one handled reaction is needed")
        for name in self.handled_reactions:
            if not _REACTION.match(name):
                raise ConfigurationError(f"{name!r} is not a reaction name")
        _within("the grouping window", self.grouping_window_seconds, 0, 86_400)
        _within("the digest threshold", self.digest_after_seconds, 1, 7 * 86_400)
        for hour in self.reminder_hours:
            if not _CLOCK.match(hour):
                raise ConfigurationError(f"reminder hour {hour!r} is not HH:MM")
        _zone(self.reminder_zone)
        if not 0 <= self.reconcile_limit <= 50:
            raise ConfigurationError(f"the reconcile limit must be 0-50, not {self.reconcile_limit}")
        self._check_sources()
        for channel in (*self.source_channels.values(), *self.host_board_channels):
            if not _CHANNEL.match(channel):
                raise ConfigurationError(f"{channel!r} is not a channel id")
        # The sweep runs every minute: anything shorter means every sweep (what a quick local demo wants).
        _within("the host board's cadence", self.host_board_every_seconds, 1, 86_400)
        self._check_incident_settings()

    def _check_sources(self) -> None:
        for name in (*self.source_channels, *self.source_policies, *self.source_ack_timeouts):
            if name not in SOURCES:
                raise ConfigurationError(f"{name!r} is not a monitoring source (known: {', '.join(SOURCES)})")
        for name, seconds in self.source_ack_timeouts.items():
            _within(f"{name}'s ack timeout", seconds, 1, MAX_ACK_TIMEOUT_SECONDS)
        InsufficientData(self.insufficient_data)  # ValueError naming it, from a hand-edited import

    def _check_incident_settings(self) -> None:
        if self.incident_paging_severity is not None and not 1 <= self.incident_paging_severity <= 4:
            raise ConfigurationError(f"incidents page at severity 1-4 or never, not {self.incident_paging_severity}")
        for what, seconds in (("no lead", self.incident_no_lead_seconds),
                              ("no severity", self.incident_no_severity_seconds),
                              ("no update (severity 1-2)", self.incident_no_update_severe_seconds),
                              ("no update", self.incident_no_update_seconds), ("break", self.incident_break_seconds)):
            _within(f"the {what} reminder", seconds, 1, 7 * 86_400)
        hours = self.incident_close_hours
        if len(hours) != 2 or not all(_CLOCK.match(hour) for hour in hours) or hours[0] >= hours[1]:
            raise ConfigurationError(f"the close reminder's hours are a start and a later end, HH:MM, not {hours!r}")
        _zone(self.incident_zone)
        if not 0 <= self.incident_reminder_times <= 10:
            raise ConfigurationError(f"a reminder is repeated 0-10 times, not {self.incident_reminder_times}")

    @property
    def handled_reaction(self) -> str:
        """The reaction Klaxon itself adds to mark a message handled."""
        return self.handled_reactions[0]

    def pages_from(self, channel: str) -> bool:
        """Whether a mention of Klaxon in `channel` pages (the allow-list, when there is one)."""
        return not self.paging_channels or channel in self.paging_channels

    def to_record(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Preferences:
        known = {f.name for f in fields(cls)}
        unknown = set(record) - known
        if unknown:
            raise ConfigurationError(f"unknown settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
        if "insufficient_data" in values:
            try:
                values["insufficient_data"] = InsufficientData(values["insufficient_data"])
            except ValueError:
                raise ConfigurationError(f"insufficient_data is ignore, fire or resolve, not "
                                         f"{values['insufficient_data']!r}") from None
        return cls(**values)


def _plain(value: Any) -> Any:
    """A setting as a record holds it: lists for tuples, plain dicts and strings."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return str(value) if isinstance(value, StrEnum) else value


def _zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigurationError(f"unknown time zone {name!r}") from error


def _within(what: str, seconds: int, low: int, high: int) -> None:
    if not low <= seconds <= high:
        raise ConfigurationError(f"{what} must be between {low}s and {high}s, not {seconds}s")


@dataclass(frozen=True)
class Configuration:
    """One consistent snapshot of everything admins configure, with the version it was read at."""

    version: int = 0  # counts commits; an edit commits only if it is still the version the editor read
    stamp: str = ""  # unique per commit: what caches compare (a restored backup can repeat a version)
    rules: tuple[Rule, ...] = ()
    channel_defaults: Mapping[str, ChannelDefault] = field(default_factory=dict)
    preferences: Preferences = field(default_factory=Preferences)
    policies: Mapping[str, EscalationPolicy] = field(default_factory=dict)
    channel_policies: Mapping[str, str] = field(default_factory=dict)  # channel → policy name
    default_policy: str | None = None
    keywords: tuple[KeywordReply, ...] = ()  # replies to phrases said in incidents' comms channels

    @cached_property
    def rulebook(self) -> RuleBook:
        """The rules compiled for matching; built once per snapshot, shared by every event."""
        return RuleBook(self.rules)

    def channel_default(self, channel: str) -> ChannelDefault:
        """The channel's own default, else the workspace-wide one (key `*`), else ignore."""
        return self.channel_defaults.get(channel) or self.channel_defaults.get(EVERY_CHANNEL, ChannelDefault.IGNORE)

    def incidents_channels(self, fallback: str | None) -> frozenset[str]:
        """Channels Klaxon posts to: never watched, so its own posts cannot loop."""
        targets = {rule.target_channel for rule in self.rules if rule.target_channel}
        targets |= {c for c in (self.preferences.reminder_channel, self.preferences.unmatched_channel) if c}
        targets |= {*self.preferences.source_channels.values(), *self.preferences.host_board_channels}
        return frozenset(targets | ({fallback} if fallback else set()))

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def with_rules(self, rules: tuple[Rule, ...]) -> Configuration:
        return replace(self, rules=rules)

    def with_channel_default(self, channel: str, default: ChannelDefault) -> Configuration:
        defaults = {**self.channel_defaults, channel: default}
        if default is ChannelDefault.IGNORE:
            defaults.pop(channel)  # ignore is what no entry means
        return replace(self, channel_defaults=defaults)

    def with_preferences(self, preferences: Preferences) -> Configuration:
        return replace(self, preferences=preferences)

    def policy_for(self, channel: str) -> EscalationPolicy | None:
        """The channel's policy, else the default one; None when neither is set."""
        name = self.channel_policies.get(channel) or self.default_policy
        return self.policies.get(name) if name else None

    def with_policy(self, policy: EscalationPolicy) -> Configuration:
        return replace(self, policies={**self.policies, policy.name: policy})

    def without_policy(self, name: str) -> Configuration:
        return replace(self, policies={k: v for k, v in self.policies.items() if k != name})

    def with_policy_use(self, name: str, channel: str | None) -> Configuration:
        if channel is None:
            return replace(self, default_policy=name)
        return replace(self, channel_policies={**self.channel_policies, channel: name})

    def with_keywords(self, keywords: tuple[KeywordReply, ...]) -> Configuration:
        if len(keywords) > MAX_KEYWORDS:
            raise ConfigurationError(f"at most {MAX_KEYWORDS} keyword replies")
        return replace(self, keywords=keywords)

    def policy_users(self, name: str) -> list[str]:
        """Where a policy is used: rules (`rule r-…`), sources (`source gcp`), channels (`<#C…>`) and `default`."""
        used = [f"rule `{rule.id}`" for rule in self.rules if rule.policy == name]
        used += [f"source `{source}`" for source, policy in sorted(self.preferences.source_policies.items())
                 if policy == name]
        used += [f"<#{channel}>" for channel, policy in sorted(self.channel_policies.items()) if policy == name]
        return used + (["the default"] if self.default_policy == name else [])


@dataclass(frozen=True)
class AuditEntry:
    """One configuration change: who made it, when, and the state before and after."""

    actor: str
    at: datetime
    action: str  # the command as typed, e.g. "rule add"
    summary: str  # one line for `/klaxon audit`
    before: Any = None
    after: Any = None


class ConfigurationConflict(Exception):
    """Someone else changed the configuration since it was read: re-read and apply the edit again."""


class ConfigurationSource(Protocol):
    def stamp(self) -> str:
        """The current configuration's stamp (one small, strongly consistent read)."""
        ...

    def load(self) -> Configuration:
        """The whole configuration, tagged with a version and stamp no newer than what it holds."""
        ...


class ConfigurationStore(ConfigurationSource, Protocol):
    def commit(self, base: Configuration, changed: Configuration, entry: AuditEntry,
               silences: Sequence[Silence] = ()) -> Configuration:
        """Store `changed` and its audit entry in one step if nothing else changed since `base` was read, with
        `silences` (an import restoring them) in the same step, each only if no silence has its id yet.

        Raises ConfigurationConflict otherwise; returns `changed` with its new version.
        """
        ...

    def audit_trail(self, limit: int) -> list[AuditEntry]:
        """The most recent changes, newest first."""
        ...

    def note(self, entry: AuditEntry) -> None:
        """Add an entry that changes nothing: something admins must know (e.g. a channel Klaxon cannot post in)."""
        ...


class ConfigurationCache:
    """A container's copy of the configuration, revalidated by stamp on every use.

    Safe to share between warm invocations: a snapshot is immutable and carries its stamp.
    """

    def __init__(self) -> None:
        self._snapshot: Configuration | None = None
        self._lock = threading.Lock()
        self.loads = 0

    def current(self, source: ConfigurationSource) -> Configuration:
        """The latest committed configuration: one small read, and a reload only when it changed.

        A cold cache loads at once: the load reads the version itself, so asking for the stamp first
        would be one read more.
        """
        snapshot = self._snapshot
        if snapshot is not None and snapshot.stamp == source.stamp():
            return snapshot
        with self._lock:
            current = self._snapshot
            if current is None or current is snapshot:  # no other thread reloaded it meanwhile
                current = self._snapshot = source.load()
                self.loads += 1
            return current


class CachedConfiguration:
    """A configuration store whose reads go through a container's cache, for /klaxon commands: on a warm
    container `rule test`, `rule list`, `export` and an edit's base cost the one small revalidating read,
    and the compiled rules are the ones messages are judged with. Writes go to the store."""

    def __init__(self, store: ConfigurationStore, cache: ConfigurationCache) -> None:
        self._store = store
        self._cache = cache

    def stamp(self) -> str:
        return self._store.stamp()

    def load(self) -> Configuration:
        return self._cache.current(self._store)

    def commit(self, base: Configuration, changed: Configuration, entry: AuditEntry,
               silences: Sequence[Silence] = ()) -> Configuration:
        return self._store.commit(base, changed, entry, silences)

    def audit_trail(self, limit: int) -> list[AuditEntry]:
        return self._store.audit_trail(limit)

    def note(self, entry: AuditEntry) -> None:
        self._store.note(entry)
