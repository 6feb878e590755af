"""The directory snapshot in DynamoDB: a refresh's staged pages, then every name in a fixed set of buckets.

    pk DIRECTORY          sk REFRESH           the refresh under way or last done (klaxon.directory.model.Refresh)
    pk DIRECTORY          sk CURRENT           the snapshot lookups read: its generation, when built, and a
                                               fingerprint per bucket
    pk DIRECTORY#STAGED   sk <generation>#<n>  one list page of a refresh, zlib-compressed JSON (kept a day)
    pk DIRECTORY#BUCKET   sk <i>               the names whose hash falls in bucket i → their listings,
                                               zlib-compressed JSON

A typed name costs two small reads (CURRENT, then its bucket); a bucket already read for the current
generation is kept per container. Publishing writes only the buckets whose content changed since the
last snapshot, so a quiet workspace's refresh rewrites a few items, not the whole directory. 64 buckets
keep each item far below DynamoDB's 400 KB: 20,000 people's 60,000 names are about 25 KB a bucket.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from klaxon.directory.model import Listing, ListingKind, Phase, Refresh, Snapshot, index
from klaxon.dynamo.table import ConditionFailed, Table, Write

PK = "DIRECTORY"
STAGED_PK = "DIRECTORY#STAGED"
BUCKET_PK = "DIRECTORY#BUCKET"
BUCKETS = 64
STAGED_KEEP = timedelta(days=1)  # pages of a refresh abandoned half-way are removed by TTL


class DynamoDirectory:
    """The workspace directory's snapshot (klaxon.directory.ports.DirectorySnapshots)."""

    def __init__(self, table: Table) -> None:
        self._table = table
        self._buckets: dict[int, tuple[str, dict[str, Listing]]] = {}  # per container: i → (generation, names)
        self._lock = threading.Lock()

    def current(self) -> Snapshot | None:
        item = self._table.get(PK, "CURRENT")
        if item is None:
            return None
        return Snapshot(generation=item["generation"], built_at=datetime.fromisoformat(item["built_at"]),
                        people_pages=int(item["people_pages"]), names=int(item["names"]))

    def find(self, snapshot: Snapshot, key: str) -> Listing | None:
        bucket = _bucket_of(key)
        with self._lock:
            kept = self._buckets.get(bucket)
        if kept is None or kept[0] != snapshot.generation:
            item = self._table.get(BUCKET_PK, str(bucket))
            # Kept under the generation it was read for: a bucket unchanged by later refreshes is not rewritten.
            kept = (snapshot.generation, _names(item["blob"]) if item else {})
            with self._lock:
                self._buckets[bucket] = kept
        return kept[1].get(key)

    def progress(self) -> Refresh | None:
        item = self._table.get(PK, "REFRESH", consistent=True)
        if item is None:
            return None
        return Refresh(generation=item["generation"], started_at=datetime.fromisoformat(item["started_at"]),
                       phase=Phase(item["phase"]), cursor=item.get("cursor"), pages=int(item["pages"]),
                       people_pages=int(item["people_pages"]))

    def begin(self, last: Refresh | None, refresh: Refresh) -> bool:
        condition, values = _at(last)
        try:
            self._table.put(_refresh_item(refresh), condition=condition, values=values)
        except ConditionFailed:
            return False
        return True

    def stage(self, before: Refresh, after: Refresh, listings: Sequence[Listing]) -> bool:
        page = {"pk": STAGED_PK, "sk": f"{before.generation}#{before.pages:06d}", "blob": _packed(listings),
                "expires_at": int((before.started_at + STAGED_KEEP).timestamp())}
        condition, values = _at(before)
        try:
            self._table.transact([Write("Put", {"pk": STAGED_PK, "sk": page["sk"]}, item=page),
                                  Write("Put", {"pk": PK, "sk": "REFRESH"}, item=_refresh_item(after),
                                        condition=condition, values=values)])
        except ConditionFailed:
            return False
        return True

    def publish(self, refresh: Refresh, built_at: datetime) -> Snapshot:
        staged = self._table.query(STAGED_PK, sk_prefix=f"{refresh.generation}#", consistent=True)
        names = index(listing for page in staged for listing in _listings(page["blob"]))
        buckets: list[dict[str, Listing]] = [{} for _ in range(BUCKETS)]
        for key, listing in names.items():
            buckets[_bucket_of(key)][key] = listing
        before = self._table.get(PK, "CURRENT", consistent=True)
        kept = list(before["fingerprints"]) if before and len(before["fingerprints"]) == BUCKETS else [""] * BUCKETS
        items, fingerprints = [], []
        for i, bucket in enumerate(buckets):
            blob = _packed(bucket.values(), keys=list(bucket))
            # An empty bucket needs no item (a missing one reads as empty) unless it held names before.
            fingerprint = hashlib.sha256(blob).hexdigest()[:16] if bucket else ""
            fingerprints.append(fingerprint)
            if fingerprint != kept[i]:  # unchanged buckets are not written again
                items.append({"pk": BUCKET_PK, "sk": str(i), "generation": refresh.generation, "blob": blob})
        self._table.put_many(items)
        snapshot = Snapshot(refresh.generation, built_at, refresh.people_pages, len(names))
        self._table.put({"pk": PK, "sk": "CURRENT", "generation": snapshot.generation,
                         "built_at": built_at.isoformat(), "people_pages": snapshot.people_pages,
                         "names": snapshot.names, "fingerprints": fingerprints})
        return snapshot


def _at(refresh: Refresh | None) -> tuple[str, dict[str, Any]]:
    """The condition that the stored refresh is still `refresh` (None: that there is none)."""
    if refresh is None:
        return "attribute_not_exists(pk)", {}
    return "generation = :generation AND pages = :pages", {":generation": refresh.generation,
                                                           ":pages": refresh.pages}


def _refresh_item(refresh: Refresh) -> dict[str, Any]:
    item = {"pk": PK, "sk": "REFRESH", "generation": refresh.generation, "started_at": refresh.started_at.isoformat(),
            "phase": refresh.phase.value, "pages": refresh.pages, "people_pages": refresh.people_pages}
    return item | ({"cursor": refresh.cursor} if refresh.cursor else {})


def _bucket_of(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % BUCKETS


def _packed(listings: Any, keys: list[str] | None = None) -> bytes:
    """Listings as compressed JSON (with the name key of each, for a bucket)."""
    rows = [[listing.kind.value, listing.id, list(listing.names), listing.bot_id, listing.tz] for listing in listings]
    return zlib.compress(json.dumps(rows if keys is None else dict(zip(keys, rows, strict=True)),
                                    separators=(",", ":"), sort_keys=True).encode(), 6)


def _listing(row: list[Any]) -> Listing:
    kind, slack_id, names, bot_id, tz = row
    return Listing(ListingKind(kind), slack_id, tuple(names), bot_id, tz)


def _listings(blob: Any) -> list[Listing]:
    return [_listing(row) for row in json.loads(zlib.decompress(bytes(blob)))]


def _names(blob: Any) -> dict[str, Listing]:
    return {key: _listing(row) for key, row in json.loads(zlib.decompress(bytes(blob))).items()}
