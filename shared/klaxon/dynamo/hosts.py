"""Hosts in one partition, so the host board is one paginated Query however many there are
(klaxon.monitoring.hosts.HostRepository).

    HOST / <name>   up or down (the keys of its alerts firing now), since when, the last change, what its
                    latest firing alert said, and a version every write bumps; forgotten by TTL when nothing
                    has been heard of it for HOST_KEEP

A request's changes are applied per host in order: the hosts are read in batches, changed, and written in
shared transactions (one host alone: a conditional put, half a transaction's capacity), each write
conditioned on the version read; a host another writer changed meanwhile is read and changed again on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from klaxon.dynamo.table import ConditionFailed, Item, Table, Write, back_off
from klaxon.monitoring.hosts import Host, HostChange, apply

HOST_PK = "HOST"
HOST_KEEP = timedelta(days=90)
TRANSACTION_ITEMS = 100
_ATTEMPTS = 8


class DynamoHosts:
    def __init__(self, table: Table) -> None:
        self._table = table

    def all(self) -> list[Host]:
        return [_host(item) for item in self._table.query(HOST_PK)]

    def record(self, changes: Sequence[HostChange]) -> None:
        by_host: dict[str, list[HostChange]] = {}
        for change in changes:
            by_host.setdefault(change.host, []).append(change)
        names = list(by_host)
        for start in range(0, len(names), TRANSACTION_ITEMS):
            chunk = {name: by_host[name] for name in names[start:start + TRANSACTION_ITEMS]}
            stored = self._read(list(chunk))
            try:
                self._write_all([_write(stored.get(name), _applied(stored.get(name), those))
                                 for name, those in chunk.items()])
            except ConditionFailed:
                for name, those in chunk.items():  # a racing writer: each host again, on its own
                    self._record_one(name, those)

    def _record_one(self, name: str, changes: list[HostChange]) -> None:
        for attempt in range(_ATTEMPTS):
            stored = self._read([name]).get(name)
            try:
                self._write_all([_write(stored, _applied(stored, changes))])
            except ConditionFailed:
                back_off(attempt)
                continue
            return
        raise RuntimeError(f"could not record host {name!r}: it kept changing")

    def _write_all(self, writes: list[Write]) -> None:
        if len(writes) > 1:
            self._table.transact(writes)
            return
        (write,) = writes
        self._table.put({**write.key, **(write.item or {})}, condition=write.condition, values=write.values)

    def _read(self, names: list[str]) -> dict[str, tuple[Host, int]]:
        items = self._table.get_many([(HOST_PK, name) for name in names])
        return {item["sk"]: (_host(item), int(item["version"])) for item in items}


def _applied(stored: tuple[Host, int] | None, changes: list[HostChange]) -> Host:
    host = stored[0] if stored else None
    for change in changes:
        host = apply(host, change)
    assert host is not None
    return host


def _write(stored: tuple[Host, int] | None, host: Host) -> Write:
    version = stored[1] if stored else 0
    return Write("Put", {"pk": HOST_PK, "sk": host.name}, {
        "since": host.since.isoformat(), "last_change": host.last_change.isoformat(), "firing": list(host.firing),
        "latest_title": host.latest_title, "version": version + 1,
        "expires_at": int((host.last_change + HOST_KEEP).timestamp())},
        condition="attribute_not_exists(pk)" if version == 0 else "version = :version",
        values=None if version == 0 else {":version": version})


def _host(item: Item) -> Host:
    return Host(name=item["sk"], since=datetime.fromisoformat(item["since"]),
                last_change=datetime.fromisoformat(item["last_change"]), firing=tuple(item.get("firing") or ()),
                latest_title=item.get("latest_title", ""))
