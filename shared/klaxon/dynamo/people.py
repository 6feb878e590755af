"""What Klaxon remembers about each person: the direct-message channel it pages them in.

    pk PERSON#<user id>   sk PERSON   dm_channel

conversations.open is Tier 3 (50 a minute); a sweep with a hundred pages due would spend it twice over
opening the same conversations again. The channel Slack gives for a person and the bot does not change,
so it is opened once and kept here, for every container.
"""

from __future__ import annotations

from klaxon.dynamo.table import Table


class DynamoPeople:
    """klaxon.ports.PeopleRepository on the one table."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def dm_channel(self, user: str) -> str | None:
        item = self._table.get(f"PERSON#{user}", "PERSON")
        return str(item["dm_channel"]) if item and item.get("dm_channel") else None

    def remember_dm_channel(self, user: str, channel: str) -> None:
        self._table.update(f"PERSON#{user}", "PERSON", "SET dm_channel = :channel", values={":channel": channel})
