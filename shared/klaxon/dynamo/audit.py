"""The audit trail: who changed what, when, before and after - configuration edits, silences, host mutes.

    AUDIT / <at>#<nonce>   one change (admins edit rarely: one partition holds years of edits)

Each change writes its entry in the same transaction as the change itself (`audit_write` is one of its
writes), so nothing is changed unaudited and nothing audited is left unchanged.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from klaxon.configuration.model import AuditEntry
from klaxon.dynamo.table import Item, Table, Write

AUDIT_PK = "AUDIT"
AUDIT_DETAIL_LIMIT = 100_000  # characters of before/after kept per entry (an item holds 400 KB)


def audit_trail(table: Table, limit: int) -> list[AuditEntry]:
    """The most recent changes, newest first."""
    return [_audit_entry(item) for item in table.query(AUDIT_PK, newest_first=True, limit=limit)]


def audit_write(entry: AuditEntry) -> Write:
    """The entry as one write of the change's transaction."""
    key = {"pk": AUDIT_PK, "sk": f"{entry.at.isoformat()}#{secrets.token_hex(4)}"}
    return Write("Put", key, {
        "actor": entry.actor, "at": entry.at.isoformat(), "action": entry.action, "summary": entry.summary,
        "before": _detail(entry.before), "after": _detail(entry.after),
    })


def _detail(value: Any) -> str | None:
    if value is None:
        return None
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= AUDIT_DETAIL_LIMIT else text[:AUDIT_DETAIL_LIMIT] + "…(cut)"


def _audit_entry(item: Item) -> AuditEntry:
    def detail(name: str) -> Any:
        raw = item.get(name)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # a detail cut to fit the item

    return AuditEntry(actor=item["actor"], at=datetime.fromisoformat(item["at"]), action=item["action"],
                      summary=item["summary"], before=detail("before"), after=detail("after"))

