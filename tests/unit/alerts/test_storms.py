"""Alert storms (issue 14, item 3), on the in-memory fakes: 1,000 repeats in a minute - from a watched channel
or from a monitoring source - are each counted, the post is redrawn at most once per few seconds, and the last
count is always drawn (by the sweep's trailing redraw)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.intake import take_external
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.storms import REDRAW_EVERY, SETTLED, draw_trailing
from klaxon.configuration.model import Configuration
from klaxon.rules import Rule
from tests.fakes import FakeClock, take, wired

ALERTS, INCIDENTS = "C0ALERTS", "C0INCIDENT"
ME = Identity("U0KLAXON", "B0KLAXON", None)
CONFIG = Configuration(version=1, rules=(Rule.create(pattern="disk", target_channel=INCIDENTS),
                                         Rule.create(pattern="checkout", target_channel=INCIDENTS)))
STORM, MINUTE_MS = 1000, 60_000
MOST_UPDATES = 15  # the target for 1,000 repeats in a minute


def message_storm(store, slack, clock, how_many=STORM, start=0):
    """`how_many` messages of one fingerprint, one every 60 ms (a minute for 1,000), each judged when said."""
    for n in range(start, start + how_many):
        at = clock.moment + timedelta(milliseconds=n * MINUTE_MS // STORM)
        take(ChannelMessage(ALERTS, f"{1_800_000_000 + n}.000100", "B0DATADOG", f"disk {n % 100}% on db-1"),
             config=CONFIG, me=ME, store=store, slack=slack, now=at)


def webhook_storm(store, slack, clock, how_many=STORM):
    """`how_many` firings of one generic key, one every 60 ms, each sent with the same occurred_at (as a source
    resends a firing alert)."""
    work = wired(store, slack, clock, CONFIG)
    first = clock.moment
    for n in range(how_many):
        at = first + timedelta(milliseconds=n * MINUTE_MS // STORM)
        event = ExternalEvent("generic", "checkout-latency", ExternalStatus.FIRING, "checkout p99 above 2s",
                              occurred_at=first)
        take_external([event], replace(work.intake(ME), now=at))


def sweep_at(store, slack, clock, seconds):
    return draw_trailing(store=store, slack=slack, now=clock.moment + timedelta(seconds=seconds), limit=100)


@pytest.mark.parametrize("storm", [message_storm, webhook_storm], ids=["message", "webhook"])
def test_1000_repeats_in_a_minute_are_counted_exactly_and_redrawn_at_most_15_times(store, slack, clock, storm):
    storm(store, slack, clock)
    assert len(slack.posts) == 1, "one post for the storm"
    during = len(slack.updates)

    sweep_at(store, slack, clock, 61)  # the sweep after the storm draws the last count

    assert during + 1 <= MOST_UPDATES and len(slack.updates) == during + 1
    assert slack.updates[-1].count == STORM, "every repeat counted"
    (alert,) = store.alerts.alerts.values()
    assert alert.count == STORM and slack.updates[-1].id == alert.id


@pytest.mark.parametrize("storm", [message_storm, webhook_storm], ids=["message", "webhook"])
def test_redraws_are_at_least_a_redraw_period_apart(store, slack, clock, storm):
    storm(store, slack, clock, how_many=300)

    redrawn = [update.redraw_after for update in slack.updates]
    assert redrawn and all(later - earlier >= REDRAW_EVERY for earlier, later in zip(redrawn, redrawn[1:],
                                                                                       strict=False))
    assert [update.count for update in slack.updates] == sorted(update.count for update in slack.updates), \
        "a redraw never shows fewer than the one before"


def test_the_first_repeat_is_drawn_at_once(store, slack, clock):
    message_storm(store, slack, clock, how_many=2)
    assert [update.count for update in slack.updates] == [2]


def test_repeats_while_a_redraw_holds_are_drawn_by_the_trailing_redraw_and_only_once(store, slack, clock):
    message_storm(store, slack, clock, how_many=5)  # 0 .. 240 ms: the first repeat drawn, three more held
    assert [update.count for update in slack.updates] == [2]
    assert sweep_at(store, slack, clock, 3) == 0, "not before the redraw that holds runs out"

    assert sweep_at(store, slack, clock, 60) == 1 and slack.updates[-1].count == 5
    assert sweep_at(store, slack, clock, 120) == 0, "nothing new: not drawn again"
    assert store.alerts.trailing, "kept until it has settled"
    sweep_at(store, slack, clock, 120 + SETTLED.total_seconds())
    assert not store.alerts.trailing and len(slack.updates) == 2


def test_a_repeat_after_the_storm_is_drawn_at_once_again(store, slack, clock):
    message_storm(store, slack, clock, how_many=50)
    sweep_at(store, slack, clock, 60)
    clock.advance(minutes=2)

    message_storm(store, slack, clock, how_many=1, start=50)

    assert slack.updates[-1].count == 51


def test_repeats_of_an_alert_not_posted_yet_are_drawn_once_it_is(store, slack, clock):
    class HeldSlack(type(slack)):
        def post_alert(self, alert):
            # While the post is on its way, two repeats arrive: they find nothing posted to draw.
            if not self.posts:
                message_storm(store, self, FakeClock(clock.moment), how_many=2, start=1)
            return super().post_alert(alert)

    held = HeldSlack()
    message_storm(store, held, clock, how_many=1)

    assert held.posts[0].count == 1 and [update.count for update in held.updates] == [3], "drawn by the poster"
    assert sweep_at(store, held, clock, 60) == 0, "and not again"


def test_a_redelivered_repeat_counts_once(store, slack, clock):
    message_storm(store, slack, clock, how_many=3)
    message_storm(store, slack, clock, how_many=3)  # Slack's retries of the same three messages

    sweep_at(store, slack, clock, 60)

    assert slack.updates[-1].count == 3
