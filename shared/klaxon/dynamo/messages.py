"""What a Slack message is to Klaxon: the alert it raised or shows, the page it started, or nothing.

One Query of the message's partition (MSG#<channel>#<ts>) answers both at once, so a reaction on any
other message - most reactions - costs a single small read.
"""

from __future__ import annotations

from klaxon.alerts.ports import MessageReferents
from klaxon.dynamo.table import Table


class DynamoMessages:
    def __init__(self, table: Table) -> None:
        self._table = table

    def lookup(self, channel: str, ts: str) -> MessageReferents:
        items = {item["sk"]: item for item in self._table.query(f"MSG#{channel}#{ts}")}
        return MessageReferents(alert_id=(items.get("MSG") or {}).get("alert_id"),
                                page_id=(items.get("PAGE") or {}).get("page_id"))
