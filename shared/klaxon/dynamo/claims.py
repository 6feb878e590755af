"""Processed-event markers: each Slack delivery's work runs once, however often Slack retries it."""

from __future__ import annotations

from datetime import datetime, timedelta

from klaxon.dynamo.table import ConditionFailed, Table

# A worker that died mid-event frees the event after this long, so Lambda's retry can redo it.
# Longer than the function's timeout, so a live worker is never overtaken.
LEASE = timedelta(minutes=2)
# Slack retries within minutes; a day of markers is plenty and TTL removes them afterwards.
KEEP = timedelta(days=1)


class DynamoEventClaims:
    def __init__(self, table: Table) -> None:
        self._table = table

    def claim(self, event_id: str, now: datetime) -> bool:
        try:
            self._table.put(
                {"pk": _pk(event_id), "sk": "EVENT", "status": "in_progress",
                 "lease_until": int((now + LEASE).timestamp()), "expires_at": int((now + KEEP).timestamp())},
                condition="attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now)",
                names={"#status": "status"},
                values={":in_progress": "in_progress", ":now": int(now.timestamp())},
            )
        except ConditionFailed:
            return False
        return True

    def complete(self, event_id: str, now: datetime) -> None:
        self._table.update(_pk(event_id), "EVENT", "SET #status = :done, done_at = :now",
                           names={"#status": "status"}, values={":done": "done", ":now": now.isoformat()})

    def release(self, event_id: str) -> None:
        self._table.delete(_pk(event_id), "EVENT")


def _pk(event_id: str) -> str:
    return f"EVENT#{event_id}"
