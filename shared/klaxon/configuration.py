"""The workspace's configuration: rules, channel defaults and preferences, as one versioned snapshot.

Every edit bumps one version number in the same transaction as the change, so a warm container can
keep its compiled rules and revalidate them with one small read: the snapshot is reloaded only when
the version moved.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from klaxon.rules import ChannelDefault, Rule, RuleBook

DEFAULT_HANDLED_REACTION = "white_check_mark"
DEFAULT_GROUPING_WINDOW = 600


@dataclass(frozen=True)
class Preferences:
    """Workspace-wide settings an admin may change with `/klaxon settings`."""

    handled_reactions: tuple[str, ...] = (DEFAULT_HANDLED_REACTION,)
    grouping_window_seconds: int = DEFAULT_GROUPING_WINDOW

    @property
    def handled_reaction(self) -> str:
        """The reaction Klaxon itself adds to mark a message handled."""
        return self.handled_reactions[0]


@dataclass(frozen=True)
class Configuration:
    """One consistent snapshot of everything admins configure, with the version it was read at."""

    version: int = 0
    rules: tuple[Rule, ...] = ()
    channel_defaults: Mapping[str, ChannelDefault] = field(default_factory=dict)
    preferences: Preferences = field(default_factory=Preferences)

    @cached_property
    def rulebook(self) -> RuleBook:
        """The rules compiled for matching; built once per snapshot, shared by every event."""
        return RuleBook(self.rules)

    def channel_default(self, channel: str) -> ChannelDefault:
        return self.channel_defaults.get(channel, ChannelDefault.IGNORE)

    def incidents_channels(self, fallback: str | None) -> frozenset[str]:
        """Channels Klaxon posts alerts to: never watched, so its reposts cannot loop."""
        targets = {rule.target_channel for rule in self.rules if rule.target_channel}
        return frozenset(targets | ({fallback} if fallback else set()))


class ConfigurationSource(Protocol):
    def version(self) -> int:
        """The current configuration version (one small, strongly consistent read)."""
        ...

    def load(self) -> Configuration:
        """The whole configuration, read at or after the version it reports."""
        ...


class ConfigurationCache:
    """A container's copy of the configuration, revalidated by version on every use.

    Safe to share between warm invocations: a snapshot is immutable and carries its version.
    """

    def __init__(self) -> None:
        self._snapshot: Configuration | None = None
        self._lock = threading.Lock()
        self.loads = 0

    def current(self, source: ConfigurationSource) -> Configuration:
        """The latest committed configuration: one version read, and a reload only when it moved."""
        version = source.version()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.version == version:
            return snapshot
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = source.load()
                self.loads += 1
            return self._snapshot
