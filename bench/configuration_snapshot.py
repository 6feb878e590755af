"""Benchmark: what loading and editing the configuration costs DynamoDB, as a snapshot and as an item per rule.

    .venv/bin/python -m bench.configuration_snapshot [--rules 1000 10000]      (from the repository root)

For each size, the same realistic rules (bench.rule_matching's per-host and per-service families) are stored
both ways in moto's DynamoDB: as the snapshot Klaxon writes now (klaxon.dynamo.configuration), and in the
layout before it (an item per rule revision, RULESET naming them in order), which Klaxon still reads. Items
and requests are Klaxon's own counters on its table access (`Table.reads`, `Table.writes`); KB written is
what write capacity is billed on (1 WCU per KB of each item written).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws

from bench.rule_matching import SEED, realistic_sample, synthetic_rules
from infra.template import create_table
from klaxon.configuration.model import AuditEntry, CachedConfiguration, Configuration, ConfigurationCache
from klaxon.dynamo import DynamoStore
from klaxon.rules import Rule


def realistic_rules(count: int) -> tuple[Rule, ...]:
    rules, _ = synthetic_rules(count, random.Random(SEED + count), realistic_sample)
    return tuple(rules)


def store_the_old_way(store: DynamoStore, rules: tuple[Rule, ...]) -> None:
    """The layout before snapshots, as its last edit left it."""
    store.table.put_many([{"pk": "CONFIG", "sk": f"RULE#{rule.id}#1", "rule": rule.to_record()} for rule in rules])
    store.table.put_many([{"pk": "CONFIG", "sk": "RULESET", "rules": [f"{rule.id}#1" for rule in rules]},
                          {"pk": "CONFIG", "sk": "VERSION", "version": 1, "stamp": "before-snapshots"}])


def counted[T](store: DynamoStore, work: Callable[[], T]) -> tuple[T, dict[str, float]]:
    """What `work` cost: items and requests read and written, and seconds."""
    reads, writes = store.table.reads, store.table.writes
    before = (reads.items, reads.requests, writes.items, writes.requests)
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    return result, {"read": reads.items - before[0], "read requests": reads.requests - before[1],
                    "written": writes.items - before[2], "write requests": writes.requests - before[3],
                    "seconds": seconds}


def piece_kb(store: DynamoStore) -> list[float]:
    return [len(bytes(item["data"])) / 1024 for item in store.table.query("CONFIG", sk_prefix="SNAPSHOT#")]


def measure(client: Any, count: int) -> list[str]:
    rules = realistic_rules(count)
    old, new = (DynamoStore(client, table) for table in (f"old-{count}", f"new-{count}"))
    for store in (old, new):
        create_table(client, store.table.name)
    store_the_old_way(old, rules)
    entry = AuditEntry(actor="U0ADMIN", at=datetime.now(UTC), action="rule add", summary="bench")
    new.configuration.commit(Configuration(), Configuration().with_rules(rules), entry)

    lines = []
    for name, table in (("an item per rule (before)", old.table.name), ("snapshot (now)", new.table.name)):
        cold = DynamoStore(client, table)  # a cold container: its own counters, an empty cache
        loaded, cost = counted(cold, lambda store=cold: ConfigurationCache().current(store.configuration))
        assert len(loaded.rules) == count
        lines.append(row(count, f"cold load, {name}", cost))

    # A warm container edits (one rule added) through its cache, as /klaxon does, then another warm one reloads.
    warm, cache, other = DynamoStore(client, new.table.name), ConfigurationCache(), ConfigurationCache()
    cache.current(warm.configuration)
    other.current(warm.configuration)
    extra = Rule.create(pattern="/checkout (error|failed)/i", target_channel="C0INCIDENT")

    def add_a_rule() -> Configuration:
        view = CachedConfiguration(warm.configuration, cache)
        base = view.load()
        return view.commit(base, base.with_rules((*base.rules, extra)), entry)

    replaced = piece_kb(warm)
    _, cost = counted(warm, add_a_rule)
    # Billed: the new pieces, the replaced ones deleted (a delete costs its item's size), VERSION and the audit.
    cost["KB"] = sum(piece_kb(warm)) + sum(replaced) + 2
    lines.append(row(count, "edit (a rule added), snapshot", cost))
    reloaded, cost = counted(warm, lambda: other.current(warm.configuration))
    assert reloaded.rules[-1] == extra
    lines.append(row(count, "warm container after the edit, snapshot", cost))
    refs_kb = sum(len(f"{rule.id}#1") + 3 for rule in rules) / 1024  # each list element's type and length bytes
    sizes = ", ".join(f"{kb:,.0f} KB" for kb in piece_kb(warm))
    lines.append(f"|        | snapshot: {len(piece_kb(warm))} piece(s), {sizes}; before, each edit rewrote RULESET, "
                 f"{refs_kb:,.0f} KB | | | | | |")
    return lines


def row(count: int, what: str, cost: dict[str, float]) -> str:
    written = f"{cost['written']:>7,.0f} | {cost['KB']:>10,.0f}" if "KB" in cost else f"{'':>7} | {'':>10}"
    return (f"| {count:>6,} | {what:41s} | {cost['read']:>10,.0f} | {cost['read requests']:>8,.0f} | {written} | "
            f"{cost['seconds']:>5.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=int, nargs="+", default=[1_000, 10_000])
    args = parser.parse_args()
    print(f"| rules  | {'what':41s} | items read | requests | written | KB written |     s |")
    print(f"|-------:|{'-' * 43}|-----------:|---------:|--------:|-----------:|------:|")
    with mock_aws(config={"lambda": {"use_docker": False}}):
        client = boto3.client("dynamodb", region_name="us-east-1")
        for count in args.rules:
            print("\n".join(measure(client, count)), flush=True)


if __name__ == "__main__":
    main()
