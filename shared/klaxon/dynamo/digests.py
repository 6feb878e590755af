"""Messages the sweep keeps redrawn in place, one per channel, in one partition it reads with one Query: the
digests (partition DIGEST) and the host boards (partition BOARD).

    DIGEST / <channel>   ts of the digest message, the fingerprint it was drawn from, when it was last
                         drawn, and lock_until while a sweep is drawing it (overlapping sweeps skip a
                         locked channel)
    BOARD / <channel>    the same for a host board
"""

from __future__ import annotations

from datetime import datetime, timedelta

from klaxon.alerts.digests import DigestPost
from klaxon.dynamo.table import ConditionFailed, Item, Table

DIGEST_PK = "DIGEST"
BOARD_PK = "BOARD"
LOCK = timedelta(seconds=60)  # longer than drawing a digest takes, shorter than the next sweep waits


class DynamoDigests:
    """One partition of messages redrawn in place (klaxon.alerts.ports.DigestPosts): DIGEST or BOARD."""

    def __init__(self, table: Table, partition: str = DIGEST_PK) -> None:
        self._table = table
        self._pk = partition

    def all(self) -> dict[str, DigestPost]:
        return {item["sk"]: _post(item) for item in self._table.query(self._pk, consistent=True)}

    def lock(self, channel: str, now: datetime) -> DigestPost | None:
        try:
            item = self._table.update(
                self._pk, channel, "SET lock_until = :until",
                condition="attribute_not_exists(lock_until) OR lock_until < :now",
                values={":until": int((now + LOCK).timestamp()), ":now": int(now.timestamp())})
        except ConditionFailed:
            return None
        return _post(item)

    def release(self, post: DigestPost) -> None:
        self._table.update(self._pk, post.channel,
                           "SET ts = :ts, fingerprint = :fingerprint, drawn_at = :drawn REMOVE lock_until",
                           values={":ts": post.ts or "", ":fingerprint": post.fingerprint or "",
                                   ":drawn": post.drawn_at.isoformat() if post.drawn_at else ""})


def _post(item: Item) -> DigestPost:
    drawn = item.get("drawn_at")
    return DigestPost(channel=item["sk"], ts=item.get("ts") or None, fingerprint=item.get("fingerprint") or None,
                      drawn_at=datetime.fromisoformat(drawn) if drawn else None)
