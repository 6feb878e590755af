"""Digest messages, one per incidents channel, in one partition the sweep reads with one Query.

    DIGEST / <channel>   ts of the digest message, the fingerprint it was drawn from, and lock_until
                         while a sweep is drawing it (overlapping sweeps skip a locked channel)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from klaxon.alerts.digests import DigestPost
from klaxon.dynamo.table import ConditionFailed, Item, Table

DIGEST_PK = "DIGEST"
LOCK = timedelta(seconds=60)  # longer than drawing a digest takes, shorter than the next sweep waits


class DynamoDigests:
    def __init__(self, table: Table) -> None:
        self._table = table

    def all(self) -> dict[str, DigestPost]:
        return {item["sk"]: _post(item) for item in self._table.query(DIGEST_PK, consistent=True)}

    def lock(self, channel: str, now: datetime) -> DigestPost | None:
        try:
            item = self._table.update(
                DIGEST_PK, channel, "SET lock_until = :until",
                condition="attribute_not_exists(lock_until) OR lock_until < :now",
                values={":until": int((now + LOCK).timestamp()), ":now": int(now.timestamp())})
        except ConditionFailed:
            return None
        return _post(item)

    def release(self, post: DigestPost) -> None:
        self._table.update(DIGEST_PK, post.channel, "SET ts = :ts, fingerprint = :fingerprint REMOVE lock_until",
                           values={":ts": post.ts or "", ":fingerprint": post.fingerprint or ""})


def _post(item: Item) -> DigestPost:
    return DigestPost(channel=item["sk"], ts=item.get("ts") or None, fingerprint=item.get("fingerprint") or None)
