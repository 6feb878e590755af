"""Alert storms in DynamoDB (issue 14, item 3): repeats from several containers at once are each counted, with
at most two item writes a repeat and no transaction, and the last count is drawn by the sweep's trailing redraw.

Each container is a thread with a client of its own on moto's server (which applies each request atomically,
as DynamoDB does), running the real intake."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.intake import take_external
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.storms import draw_trailing
from klaxon.configuration.model import Configuration
from klaxon.dynamo import DynamoStore
from klaxon.rules import Rule
from tests.fakes import FakeClock, FakeSlack, take, wired
from tests.integration.conftest import at_once

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
INCIDENTS = "C0INCIDENT"
ME = Identity("U0KLAXON", "B0KLAXON", None)
CONFIG = Configuration(version=1, rules=(Rule.create(pattern="disk", target_channel=INCIDENTS),
                                         Rule.create(pattern="checkout", target_channel=INCIDENTS)))
CONTAINERS, EACH = 4, 25


def container(racing_store: DynamoStore) -> DynamoStore:
    """Another container's store: its own client and counters, the same table."""
    endpoint = racing_store.table.client.meta.endpoint_url
    return DynamoStore(boto3.client("dynamodb", endpoint_url=endpoint), racing_store.table.name)


def repeat_messages(store: DynamoStore, slack: FakeSlack, first: int, how_many: int = EACH) -> None:
    for n in range(first, first + how_many):
        take(ChannelMessage("C0ALERTS", f"{1_800_000_000 + n}.000100", "B0DATADOG", f"disk {n}% on db-1"),
             config=CONFIG, me=ME, store=store, slack=slack, now=T0 + timedelta(milliseconds=60 * n))


def repeat_firings(store: DynamoStore, slack: FakeSlack, first: int, how_many: int = EACH) -> None:
    work = wired(store, slack, FakeClock(T0), CONFIG)
    for n in range(first, first + how_many):
        event = ExternalEvent("generic", "checkout-latency", ExternalStatus.FIRING, "checkout p99 above 2s",
                              occurred_at=T0)  # a source resends its firing alert as it first fired
        take_external([event], replace(work.intake(ME), now=T0 + timedelta(milliseconds=60 * n)))


def storm_from_containers(racing_store: DynamoStore, repeat) -> tuple[list[DynamoStore], FakeSlack]:
    slack = FakeSlack()
    repeat(racing_store, slack, 0, how_many=1)  # the first: posted
    stores = [container(racing_store) for _ in range(CONTAINERS)]
    at_once(lambda n: repeat(stores[n], slack, 1 + n * EACH), range(CONTAINERS))
    return stores, slack


@pytest.mark.parametrize("repeat", [repeat_messages, repeat_firings], ids=["message", "webhook"])
def test_repeats_from_four_containers_at_once_are_each_counted_with_one_write_each(racing_store, repeat):
    stores, slack = storm_from_containers(racing_store, repeat)

    writes = [store.table.writes for store in stores]
    # One write a repeat (its message's index item, or its key's state); the redraw taken (the alert, and its
    # trailing redraw) now and then.
    assert sum(w.items for w in writes) <= 2 * CONTAINERS * EACH
    assert not any(w.by_kind.get("transact") for w in writes), "no transaction on a hot item"
    draw_trailing(store=racing_store, slack=slack, now=T0 + timedelta(minutes=1), limit=10)
    assert len(slack.posts) == 1 and slack.updates[-1].count == 1 + CONTAINERS * EACH
