"""The configuration in DynamoDB (moto): versioned, all-or-nothing, audited, safe under racing admins."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.judging import Identity
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.configuration.as_code import MAX_SILENCES
from klaxon.configuration.model import AuditEntry, Configuration, ConfigurationConflict, ConfigurationStore, Preferences
from klaxon.dynamo import DynamoStore
from klaxon.incidents.keywords import KeywordReply
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.ports import Person
from klaxon.rules import ChannelDefault, Rule
from klaxon.silences.matchers import parse_matchers
from klaxon.silences.model import Silence
from klaxon.slack.renderers.commands import describe_change, reply
from tests.fakes import FakeClock, FakeDirectory
from tests.integration.conftest import at_once

NOW = datetime.now(UTC)


def entry(summary: str = "test", at: datetime = NOW) -> AuditEntry:
    return AuditEntry(actor="U0ADMIN", at=at, action="test", summary=summary, before={"a": 1}, after={"a": 2})


def rules(count: int, prefix: str = "r") -> tuple[Rule, ...]:
    return tuple(Rule(id=f"{prefix}-{n:04d}", name=f"rule {n}", pattern=f"alert {n}\\b", target_channel="C0INC")
                 for n in range(count))


def snapshot_keys(store: DynamoStore) -> list[str]:
    return sorted(item["sk"] for item in store.table.query("CONFIG", sk_prefix="SNAPSHOT#"))


def pieces_named(store: DynamoStore) -> list[str]:
    """The pieces VERSION names: the current snapshot's."""
    head = store.table.get("CONFIG", "VERSION") or {}
    return [f"SNAPSHOT#{head['stamp']}#{n:04d}" for n in range(head.get("pieces", 0))]


def commit(store: ConfigurationStore, change) -> Configuration:
    base = store.load()
    return store.commit(base, change(base), entry())


def test_an_empty_table_is_version_zero_with_defaults(dynamo_store):
    config = dynamo_store.configuration.load()
    assert config == Configuration()
    assert dynamo_store.configuration.stamp() == ""


def test_what_is_committed_loads_back_in_order(dynamo_store):
    store = dynamo_store.configuration
    wanted = rules(3)
    commit(store, lambda c: replace(c.with_rules(wanted), channel_defaults={"C0ALERTS": ChannelDefault.ACK},
                                    preferences=Preferences(verbose_digest=True, reminder_hours=("09:00",))))
    commit(store, lambda c: c.with_rules((c.rules[2], c.rules[0], c.rules[1])))

    loaded = store.load()
    assert loaded.version == 2 and store.stamp() == loaded.stamp != ""
    assert [r.id for r in loaded.rules] == ["r-0002", "r-0000", "r-0001"]
    assert loaded.rules[0] == wanted[2]
    assert loaded.channel_defaults == {"C0ALERTS": ChannelDefault.ACK}
    assert loaded.preferences.verbose_digest and loaded.preferences.reminder_hours == ("09:00",)


def test_a_stale_edit_is_refused_and_writes_nothing(dynamo_store):
    store = dynamo_store.configuration
    stale = store.load()
    commit(store, lambda c: c.with_rules(rules(1)))

    with pytest.raises(ConfigurationConflict):
        store.commit(stale, stale.with_rules(rules(2, "x")), entry("stale"))

    assert [r.id for r in store.load().rules] == ["r-0000"]
    assert [e.summary for e in store.audit_trail(10)] == ["test"]
    assert snapshot_keys(dynamo_store) == pieces_named(dynamo_store), "no orphans"


def test_an_import_far_beyond_a_transactions_limit_is_one_step(dynamo_store):
    store = dynamo_store.configuration
    commit(store, lambda c: c.with_rules(rules(150)))
    assert len(store.load().rules) == 150
    commit(store, lambda c: c.with_rules(rules(120, "new")))

    loaded = store.load()
    assert [r.id for r in loaded.rules] == [f"new-{n:04d}" for n in range(120)]
    assert snapshot_keys(dynamo_store) == pieces_named(dynamo_store), "the pieces of earlier commits are deleted"


def test_the_configuration_is_kept_as_a_few_pieces_not_an_item_per_rule(dynamo_store):
    commit(dynamo_store.configuration, lambda c: c.with_rules(rules(500)))
    keys = sorted(item["sk"] for item in dynamo_store.table.query("CONFIG"))
    assert keys == [*pieces_named(dynamo_store), "VERSION"] and len(keys) == 2


def test_the_audit_trail_is_newest_first_with_before_and_after(dynamo_store):
    store = dynamo_store.configuration
    for n in range(3):
        base = store.load()
        store.commit(base, base.with_rules(rules(n + 1)), entry(f"edit {n}", NOW + timedelta(seconds=n)))
    trail = store.audit_trail(2)
    assert [e.summary for e in trail] == ["edit 2", "edit 1"]
    assert trail[0].actor == "U0ADMIN" and trail[0].before == {"a": 1} and trail[0].after == {"a": 2}


def test_racing_admins_never_lose_an_update(racing_store):
    directory = FakeDirectory(channel_names={"incidents": "C0INC"}, persons={"a": Person("U0ADMIN", "a")})
    console = Console(configuration=racing_store.configuration, alerts=racing_store.alerts,
                      silences=racing_store.silences, hosts=racing_store.hosts, directory=directory,
                      clock=FakeClock(), me=Identity(None, None, None), admin_users=frozenset({"U0ADMIN"}),
                      describe=describe_change)
    replies = at_once(lambda n: reply(run_command(Invocation(f"rule add racer{n} to #incidents", "U0ADMIN",
                                                              "C0INC"), console)), range(6))

    assert all(answer.ok for answer in replies), [r.text for r in replies]
    loaded = racing_store.configuration.load()
    assert sorted(r.pattern for r in loaded.rules) == [f"racer{n}" for n in range(6)]
    assert loaded.version == 6 and len(racing_store.configuration.audit_trail(50)) == 6


def test_racing_admins_making_different_edits_keep_every_one(racing_store):
    directory = FakeDirectory(channel_names={"incidents": "C0INC", "alerts": "C0ALERTS"},
                              persons={"alice": Person("U0ALICE", "alice"), "a": Person("U0ADMIN", "a")})
    console = Console(configuration=racing_store.configuration, alerts=racing_store.alerts,
                      silences=racing_store.silences, hosts=racing_store.hosts, directory=directory,
                      clock=FakeClock(), me=Identity(None, None, None), admin_users=frozenset({"U0ADMIN"}),
                      describe=describe_change)
    edits = ["rule add disk full to #incidents", "settings verbose on", "channel #alerts default ack",
             "policy set db level @alice after 5m", "settings grouping-window 2m"]
    replies = at_once(lambda text: reply(run_command(Invocation(text, "U0ADMIN", "C0INC"), console)), edits)

    assert all(answer.ok for answer in replies), [r.text for r in replies]
    loaded = racing_store.configuration.load()
    assert [r.pattern for r in loaded.rules] == ["disk full"]
    assert loaded.preferences.verbose_digest and loaded.preferences.grouping_window_seconds == 120
    assert loaded.channel_defaults == {"C0ALERTS": ChannelDefault.ACK} and set(loaded.policies) == {"db"}
    assert loaded.version == len(edits) and len(racing_store.configuration.audit_trail(50)) == len(edits)


def test_an_imports_silences_are_written_in_the_configurations_own_commit_or_not_at_all(dynamo_store):
    def silence(n: int) -> Silence:
        return Silence.restored(f"s-00000{n}", parse_matchers(f"host=db-{n}"), starts_at=NOW,
                                ends_at=NOW + timedelta(hours=1), by="U0ADMIN")

    dynamo_store.silences.add(silence(2), entry())  # restored already, by an earlier import
    base = dynamo_store.configuration.load()
    with pytest.raises(ConfigurationConflict):
        dynamo_store.configuration.commit(base, replace(base, rules=rules(3)), entry(), [silence(1), silence(2)])
    assert dynamo_store.configuration.load().rules == () and {s.id for s in dynamo_store.silences.all()} == {
        "s-000002"}, "a conflict on one silence writes none of it"

    dynamo_store.configuration.commit(base, replace(base, rules=rules(3)), entry(), [silence(1), silence(3)])

    assert len(dynamo_store.configuration.load().rules) == 3
    assert {s.id for s in dynamo_store.silences.all()} == {"s-000001", "s-000002", "s-000003"}


def test_a_commit_of_every_configuration_item_and_the_most_silences_an_import_restores_fits_one_transaction(
        dynamo_store):
    """A whole configuration's commit (its VERSION and audit entry) and the most silences an import restores."""
    base = dynamo_store.configuration.load()
    everything = replace(base, rules=rules(2), channel_defaults={"C0ALERTS": ChannelDefault.ACK},
                         preferences=replace(Preferences(), verbose_digest=True),
                         policies={"db": EscalationPolicy("db", (Level(("U0BOB",)),))}, default_policy="db",
                         keywords=(KeywordReply.create("runbook", "see the wiki"),))
    silences = [Silence.restored(f"s-{n:06x}", parse_matchers(f"host=db-{n}"), starts_at=NOW,
                                 ends_at=NOW + timedelta(hours=1), by="U0ADMIN") for n in range(MAX_SILENCES)]

    dynamo_store.configuration.commit(base, everything, entry(), silences)

    assert dynamo_store.configuration.load().keywords == everything.keywords
    assert len(dynamo_store.silences.all()) == MAX_SILENCES
