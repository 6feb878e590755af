"""Messages the sweep keeps redrawn in place, one per channel, in one partition it reads with one Query: the
digests (partition DIGEST) and the host boards (partition BOARD).

    DIGEST / <channel>   `enlisted` once an alert is posted to the channel (every sweep reads its lists), ts of
                         the digest message, the fingerprint it was drawn from, when it was last drawn
                         (drawn_at), lock_until while a sweep is drawing it (overlapping sweeps skip a locked
                         channel), and drawn_as_of: the moment of the newest sweep that took it, so a sweep
                         that started earlier - and read what it shows earlier - never draws over a newer view
    BOARD / <channel>    the same for a host board, which is due again only `host-board-every` after drawn_at

Moments are exact epoch seconds (klaxon.dynamo.table.epoch): the lock's condition compares them, so a board is
never redrawn before it is due, however many sweeps overlap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from klaxon.alerts.digests import DigestPost
from klaxon.dynamo.table import ConditionFailed, Item, Table, epoch

DIGEST_PK = "DIGEST"
BOARD_PK = "BOARD"
LOCK = timedelta(seconds=60)  # longer than drawing a digest takes, shorter than the next sweep waits


class DynamoDigests:
    """One partition of messages redrawn in place (klaxon.alerts.ports.DigestPosts): DIGEST or BOARD."""

    def __init__(self, table: Table, partition: str = DIGEST_PK) -> None:
        self._table = table
        self._pk = partition
        self._enlisted: set[str] = set()  # channels this container enlisted already (the item outlives it)

    def all(self) -> dict[str, DigestPost]:
        return {item["sk"]: _post(item) for item in self._table.query(self._pk, consistent=True)}

    def enlist(self, channel: str) -> None:
        # One write per channel per container: alerts are posted to a handful of channels, and the item is kept.
        if channel in self._enlisted:
            return
        self._table.update(self._pk, channel, "SET enlisted = :yes", values={":yes": True})
        self._enlisted.add(channel)

    def lock(self, channel: str, now: datetime, drawn_before: datetime | None = None) -> DigestPost | None:
        condition = ("(attribute_not_exists(lock_until) OR lock_until < :now) "
                     "AND (attribute_not_exists(drawn_as_of) OR drawn_as_of <= :now)")
        values: dict[str, Any] = {":until": epoch(now + LOCK), ":now": epoch(now)}
        if drawn_before is not None:
            condition += " AND (attribute_not_exists(drawn_at) OR drawn_at <= :due)"
            values[":due"] = epoch(drawn_before)
        try:
            item = self._table.update(self._pk, channel, "SET lock_until = :until, drawn_as_of = :now",
                                      condition=condition, values=values)
        except ConditionFailed:
            return None
        return _post(item)

    def release(self, post: DigestPost) -> None:
        drawn = "SET ts = :ts, fingerprint = :fingerprint, drawn_at = :drawn" if post.drawn_at else \
            "SET ts = :ts, fingerprint = :fingerprint"
        self._table.update(self._pk, post.channel, f"{drawn} REMOVE lock_until",
                           values={":ts": post.ts or "", ":fingerprint": post.fingerprint or "",
                                   **({":drawn": epoch(post.drawn_at)} if post.drawn_at else {})})


def _post(item: Item) -> DigestPost:
    drawn = item.get("drawn_at")
    return DigestPost(channel=item["sk"], ts=item.get("ts") or None, fingerprint=item.get("fingerprint") or None,
                      drawn_at=datetime.fromtimestamp(float(drawn), UTC) if drawn else None)
