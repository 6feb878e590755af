"""What silences need kept: the silences themselves, apart from the configuration snapshot, so adding or
ending one never reloads or recompiles the rules. DynamoDB in the functions (klaxon.dynamo.silences), an
in-memory fake in unit tests."""

from __future__ import annotations

from typing import Protocol

from klaxon.configuration.model import AuditEntry
from klaxon.silences.model import Silence


class SilenceRepository(Protocol):
    def all(self) -> list[Silence]:
        """Every silence kept: those in force and those ended within RECENTLY_EXPIRED (older ones are
        forgotten). One small read; the intake asks it only when an alert is about to be raised."""
        ...

    def get(self, silence_id: str) -> Silence | None: ...

    def add(self, silence: Silence, entry: AuditEntry) -> None:
        """Store a new silence and its audit entry, both or neither."""
        ...

    def end(self, ended: Silence, entry: AuditEntry) -> bool:
        """Store that a silence ended early (`ended` as Silence.expired made it) with its audit entry, both or
        neither; False, writing nothing, if it had already ended (by time, or another admin)."""
        ...
