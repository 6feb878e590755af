"""The configuration's snapshot through the real Slack function: `rule test` answers from the container's
cache, and an edit another container made is loaded from the snapshot by the next message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from klaxon.alerts.judging import Identity
from klaxon.bootstrap import runtime
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.configuration.model import CachedConfiguration, ConfigurationCache
from klaxon.dynamo import DynamoStore
from klaxon.slack.renderers.commands import describe_change, reply
from tests.fakes import FakeClock, FakeDirectory


@pytest.fixture
def incidents(stack) -> str:
    return stack.workspace.add_channel("incidents")["id"]


@pytest.fixture
def channels(stack, alice, incidents):
    ws = stack.workspace
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    return stack


def test_rule_test_on_a_warm_container_reads_one_item_and_loads_nothing(channels, alice, bob):
    channels.klaxon(alice, "#alerts-prod", r'rule add /disk (full|\d+%)/i to #incidents label "[Disk]"')
    channels.workspace.post("#alerts-prod", "warm-up", bot="datadog")
    channels.settle()
    cache, reads = runtime().configuration_cache, runtime().store.table.reads
    loads, items = cache.loads, reads.items

    answer = channels.klaxon(bob, "#alerts-prod", "rule test DISK 97% on db-1")

    assert "rule r-" in answer and "[Disk] matches → would alert to" in answer, answer
    assert cache.loads == loads, "the rules messages are judged with answer it"
    assert reads.items - items == 1, "one item read: the version"


def test_an_edit_from_another_container_is_loaded_by_the_next_message_from_the_snapshot(channels, alice,
                                                                                        incidents):
    # Given the Slack function's container, warm with no rules
    ws = channels.workspace
    ws.post("#alerts-prod", "cpu high on web-3", bot="datadog")
    channels.settle()
    assert ws.messages("#incidents") == []
    here = runtime()
    # When another container (its own table access and cache on the same table) adds a rule
    there = DynamoStore(here.store.table.client, here.store.table.name)
    console = Console(configuration=CachedConfiguration(there.configuration, ConfigurationCache()),
                      alerts=there.alerts, silences=there.silences, hosts=there.hosts,
                      directory=FakeDirectory(channel_names={"incidents": incidents}),
                      clock=FakeClock(datetime.now(UTC)), me=Identity(None, None, None),
                      admin_users=frozenset({alice}), describe=describe_change)
    added = reply(run_command(Invocation("rule add cpu high to #incidents", alice, "C0OPS"), console))
    assert added.ok, added.text
    loads, reads = here.configuration_cache.loads, here.store.table.reads
    by_kind = dict(reads.by_kind)
    ws.post("#alerts-prod", "cpu high on web-3", bot="datadog")
    channels.settle()
    # Then this container loads it once, from VERSION and the snapshot's one piece, and the message alerts
    assert len(ws.messages("#incidents")) == 1
    assert here.configuration_cache.loads == loads + 1
    assert reads.by_kind.get("get_many", 0) - by_kind.get("get_many", 0) == 1, "the snapshot's one piece"
    assert reads.by_kind.get("query", 0) == by_kind.get("query", 0), "no item per rule"
