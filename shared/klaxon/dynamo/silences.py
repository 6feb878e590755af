"""Silences in their own partition, apart from the configuration, so adding or ending one never reloads
or recompiles the rules (klaxon.silences.ports.SilenceRepository).

    SILENCE / <id>   matchers (as typed: `host="db-7"`), start, end, who set it and why, who ended it early;
                     forgotten by TTL a day after it ended (`silence list` shows that day)

The intake reads the partition with one Query, only when an alert is about to be raised; a change and its
audit entry are one transaction.
"""

from __future__ import annotations

from datetime import datetime

from klaxon.configuration.model import AuditEntry
from klaxon.dynamo.audit import audit_write
from klaxon.dynamo.table import ConditionFailed, Item, Table, Write
from klaxon.silences.matchers import parse_matchers
from klaxon.silences.model import RECENTLY_EXPIRED, Silence

SILENCE_PK = "SILENCE"


class DynamoSilences:
    def __init__(self, table: Table) -> None:
        self._table = table

    def all(self) -> list[Silence]:
        return [_silence(item) for item in self._table.query(SILENCE_PK, consistent=True)]

    def get(self, silence_id: str) -> Silence | None:
        item = self._table.get(SILENCE_PK, silence_id, consistent=True)
        return _silence(item) if item else None

    def add(self, silence: Silence, entry: AuditEntry) -> None:
        self._table.transact([silence_write(silence), audit_write(entry)])

    def end(self, ended: Silence, entry: AuditEntry) -> bool:
        # Still running when ended: its stored end is later than the new one (times are UTC ISO-8601 strings
        # of one form, which compare in time order).
        try:
            self._table.transact([
                Write("Update", {"pk": SILENCE_PK, "sk": ended.id},
                      update="SET ends_at = :ends, expired_by = :by, expires_at = :expires",
                      condition="attribute_exists(pk) AND ends_at > :ends",
                      values={":ends": ended.ends_at.isoformat(), ":by": ended.expired_by or "",
                              ":expires": _forget_at(ended)}),
                audit_write(entry)])
        except ConditionFailed:
            return False
        return True


def silence_write(silence: Silence) -> Write:
    """A new silence, for a transaction: written only if no silence has its id yet."""
    return Write("Put", {"pk": SILENCE_PK, "sk": silence.id}, _item(silence), condition="attribute_not_exists(pk)")


def _item(silence: Silence) -> Item:
    return {"matchers": [str(matcher) for matcher in silence.matchers], "starts_at": silence.starts_at.isoformat(),
            "ends_at": silence.ends_at.isoformat(), "created_by": silence.created_by, "comment": silence.comment,
            "expired_by": silence.expired_by, "expires_at": _forget_at(silence)}


def _forget_at(silence: Silence) -> int:
    return int((silence.ends_at + RECENTLY_EXPIRED).timestamp())


def _silence(item: Item) -> Silence:
    return Silence(id=item["sk"], matchers=parse_matchers(", ".join(item["matchers"])),
                   starts_at=datetime.fromisoformat(item["starts_at"]), ends_at=datetime.fromisoformat(item["ends_at"]),
                   created_by=item["created_by"], comment=item.get("comment", ""),
                   expired_by=item.get("expired_by") or None)
