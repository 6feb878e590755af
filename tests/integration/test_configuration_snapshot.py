"""The configuration's snapshot in DynamoDB (moto): a cold container reads a few items for 10,000 rules; pieces
fit DynamoDB's item limit; edits from two containers at once leave one snapshot that holds every edit, and
each container loads it; a reader whose pieces a newer commit replaced reads again; a table in the layout
before snapshots is read as it is and moved on its first edit."""

from __future__ import annotations

import random
import string
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from klaxon.alerts.judging import Identity
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.configuration.model import AuditEntry, CachedConfiguration, ConfigurationCache, Preferences
from klaxon.dynamo import DynamoStore
from klaxon.dynamo.configuration import PIECE_BYTES, DynamoConfiguration
from klaxon.dynamo.table import Table
from klaxon.ports import Person
from klaxon.rules import ChannelDefault, Rule
from klaxon.slack.renderers.commands import describe_change, reply
from tests.fakes import FakeClock, FakeDirectory
from tests.integration.conftest import TABLE, at_once

ADMIN, INCIDENTS = "U0ADMIN", "C0INC"
SERVICES = ("api", "db", "cache", "queue", "auth", "billing", "search", "payments", "gateway", "worker")
METRICS = ("disk", "cpu", "memory", "latency", "timeout", "error rate", "5xx", "OOMKilled")


def entry() -> AuditEntry:
    return AuditEntry(actor=ADMIN, at=datetime.now(UTC), action="test", summary="test")


def families(count: int) -> tuple[Rule, ...]:
    """Rules as teams write them: per host and per service, over shared words, some case-insensitive."""
    rules = []
    for n in range(count):
        service, metric, host = SERVICES[n % 10], METRICS[n // 10 % 8], f"{SERVICES[n % 10]}-{n % 40 + 1}"
        pattern = (rf"{metric} (above|over) \d+% on {host}\b", rf"{service}.*(error|exception|fatal)",
                   rf"\[{host}\] (CRITICAL|WARNING): {metric}")[n % 3]
        rules.append(Rule(id=f"r-{n:05d}", name=f"{service} {metric} {n}", pattern=pattern, ignore_case=n % 3 == 1,
                          target_channel=f"C0{service.upper()}", label=f"[{metric}]",
                          channels=frozenset({f"C0ALERTS{n % 7}"}) if n % 5 == 0 else frozenset()))
    return tuple(rules)


def container(client: Any, table: str = TABLE) -> DynamoStore:
    """Another Lambda container: its own table access (and counters) on the same table."""
    return DynamoStore(client, table)


def commit(store: DynamoStore, change: Any) -> None:
    base = store.configuration.load()
    store.configuration.commit(base, change(base), entry())


def test_a_cold_container_reads_10000_rules_in_at_most_5_items(dynamodb):
    commit(container(dynamodb), lambda config: config.with_rules(families(10_000)))
    cold = container(dynamodb)

    loaded = ConfigurationCache().current(cold.configuration)

    assert len(loaded.rules) == 10_000 and loaded.rules[9_999].id == "r-09999"
    assert cold.table.reads.items <= 5, cold.table.reads
    assert cold.table.reads.requests == 2, "VERSION, then its pieces in one BatchGetItem"


def test_a_snapshot_over_the_item_limit_is_cut_into_pieces_that_each_fit(dynamodb):
    # 1,000 patterns of 1,000 random characters hardly compress: well over one 400 KB item.
    rnd = random.Random(14)
    rules = tuple(Rule(id=f"r-{n:04d}", name=f"rule {n}", target_channel=INCIDENTS,
                       pattern="".join(rnd.choices(string.ascii_lowercase + string.digits, k=1_000)))
                  for n in range(1_000))
    store = container(dynamodb)
    commit(store, lambda config: config.with_rules(rules))

    pieces = store.table.query("CONFIG", sk_prefix="SNAPSHOT#")
    assert len(pieces) >= 2 and all(len(bytes(piece["data"])) <= PIECE_BYTES for piece in pieces)
    assert container(dynamodb).configuration.load().rules == rules


def test_edits_from_two_containers_at_once_leave_one_snapshot_that_both_load(racing_store):
    client, table = racing_store.table.client, racing_store.table.name
    containers = [container(client, table) for _ in range(2)]
    caches = [ConfigurationCache() for _ in containers]
    consoles = [console(store, cache) for store, cache in zip(containers, caches, strict=True)]
    for store, cache in zip(containers, caches, strict=True):
        assert cache.current(store.configuration).version == 0  # both warm, on the empty configuration

    texts = [*(f"rule add racer{n} to #incidents" for n in range(4)), "settings verbose on",
             "channel #alerts default ack"]
    edits = [(n % 2, text) for n, text in enumerate(texts)]  # each container makes every other edit
    replies = at_once(lambda edit: reply(run_command(Invocation(edit[1], ADMIN, INCIDENTS), consoles[edit[0]])), edits)

    assert all(answer.ok for answer in replies), [answer.text for answer in replies]
    seen = [cache.current(store.configuration) for store, cache in zip(containers, caches, strict=True)]
    assert seen[0] == seen[1] and seen[0].version == len(edits)
    assert sorted(rule.pattern for rule in seen[0].rules) == [f"racer{n}" for n in range(4)]
    assert seen[0].preferences.verbose_digest and seen[0].channel_defaults == {"C0ALERTS": ChannelDefault.ACK}
    head = racing_store.table.get("CONFIG", "VERSION")
    pieces = racing_store.table.query("CONFIG", sk_prefix="SNAPSHOT#")
    assert [piece["sk"] for piece in pieces] == [f"SNAPSHOT#{head['stamp']}#0000"], "the losers' pieces are gone"


def test_a_reader_whose_pieces_a_newer_commit_replaced_reads_the_newer_snapshot(dynamodb):
    writer = container(dynamodb)
    commit(writer, lambda config: config.with_rules(families(3)))

    class CommitsMidRead(Table):
        """A container's table access that lets another container commit between its two reads."""

        def get_many(self, keys: Any) -> list[Any]:
            if not getattr(self, "raced", False):
                self.raced = True
                commit(writer, lambda config: config.with_rules(families(5)))
            return super().get_many(keys)

    reader = DynamoConfiguration(CommitsMidRead(dynamodb, TABLE))

    loaded = reader.load()

    assert len(loaded.rules) == 5 and loaded.version == 2


def test_a_table_from_before_snapshots_is_read_as_it_is_and_moved_on_its_first_edit(dynamodb):
    # Given the layout before snapshots: a revision item per rule in RULESET's order, and the others
    old = families(3)
    table = container(dynamodb).table
    table.put_many([{"pk": "CONFIG", "sk": f"RULE#{rule.id}#1", "rule": rule.to_record()} for rule in old])
    table.put_many([
        {"pk": "CONFIG", "sk": "RULESET", "rules": [f"{rule.id}#1" for rule in reversed(old)]},
        {"pk": "CONFIG", "sk": "CHANNELS", "defaults": {"C0ALERTS": "ack"}},
        {"pk": "CONFIG", "sk": "PREFERENCES", "preferences": Preferences(verbose_digest=True).to_record()},
        {"pk": "CONFIG", "sk": "VERSION", "version": 4, "stamp": "before-snapshots"},
    ])
    store = container(dynamodb)
    # When it is read, then it is what it was
    before = store.configuration.load()
    assert before.rules == tuple(reversed(old)) and before.version == 4 and before.preferences.verbose_digest
    # When an admin edits it, then the edit and everything before it is one snapshot, and the old items are gone
    store.configuration.commit(before, before.with_rules(before.rules[:2]), entry())
    after = container(dynamodb).configuration.load()
    assert after == replace(before, rules=before.rules[:2], version=5, stamp=after.stamp)
    assert [item["sk"][:9] for item in table.query("CONFIG")] == ["SNAPSHOT#", "VERSION"]


def console(store: DynamoStore, cache: ConfigurationCache) -> Console:
    """What /klaxon commands get in one container (klaxon.services): its store, read through its cache."""
    directory = FakeDirectory(channel_names={"incidents": INCIDENTS, "alerts": "C0ALERTS"},
                              persons={"a": Person(ADMIN, "a")})
    return Console(configuration=CachedConfiguration(store.configuration, cache), alerts=store.alerts,
                   silences=store.silences, hosts=store.hosts, directory=directory, clock=FakeClock(),
                   me=Identity(None, None, None), admin_users=frozenset({ADMIN}), describe=describe_change)
