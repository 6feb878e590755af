"""Nothing early: no due work - a page's next level, its end, an ack timeout (a rule's or a monitoring
source's), a digest, a reminder - is done before its time, however many sweeps overlap and however stale what
they read is. (Incident reminders and host boards have theirs beside their features' tests.)

The in-memory index can be made to lag (`store.pages.lagging_index`): it then lists every page and timer as
due, as DynamoDB's eventually consistent index may list one whose step has just moved on. What holds the
line is the conditional writes, which check the due time and not only the step.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.intake import take_external
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.configuration.model import Configuration, Preferences
from klaxon.paging import service as paging
from klaxon.paging.policies import EscalationPolicy, Level, PageState
from klaxon.paging.service import Mention, Pager
from klaxon.rules import Rule
from klaxon.sweep import SweepContext, sweep
from tests.fakes import FakeClock, FakeDirectory, take, wired

OPS, INCIDENTS, ALERTS = "C0OPS", "C0INCIDENT", "C0ALERTS"
BOB, CAROL = "U0BOB", "U0CAROL"
# The policy: `level @bob after 5m; level @carol after 5m`.
BOB_THEN_CAROL = EscalationPolicy("db", levels=(Level((BOB,), 300), Level((CAROL,), 300)))
BOB_ONLY = EscalationPolicy("solo", levels=(Level((BOB,), 300),))


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))


def config(policy: EscalationPolicy = BOB_THEN_CAROL, **preferences) -> Configuration:
    return Configuration(version=1, policies={policy.name: policy}, channel_policies={OPS: policy.name},
                         preferences=Preferences(**preferences))


def pager(store, slack, clock) -> Pager:
    return wired(store, slack, clock).pager()


def page_from_a_mention(store, slack, clock, policy=BOB_THEN_CAROL):
    mention = Mention(channel=OPS, ts="1800000000.000100", user="U0DAN", text="<@U0KLAXON> db is down")
    return paging.on_mention(mention, "U0KLAXON", pager(store, slack, clock), config(policy))


def overlapping_sweeps(store, slack, clock, cfg, count=2):
    """`count` sweeps at the same moment, each working from what it read (one after another here)."""
    for _ in range(count):
        sweep(SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=cfg, now=clock.now(),
                           publish=wired(store, slack, clock, cfg).publish))


def paged(slack, user):
    return [step for who, _, step in slack.pages_sent if who == user]


def test_a_sweep_that_read_the_page_before_level_ones_wait_ran_out_does_not_page_level_two(store, slack, clock):
    page = page_from_a_mention(store, slack, clock)
    read_by_a_second_sweep = store.pages.get(page.id)  # level 1 notified, its 5 minutes just started

    clock.advance(seconds=0.2)
    paging.advance([read_by_a_second_sweep], pager(store, slack, clock))

    assert paged(slack, BOB) == [0] and paged(slack, CAROL) == [], "Carol is not paged 0.2 s after Bob"
    assert store.pages.get(page.id).step == 1


def test_with_a_lagging_index_and_overlapping_sweeps_level_two_is_paged_when_its_wait_ends(store, slack, clock):
    store.pages.lagging_index = True
    page_from_a_mention(store, slack, clock)
    for seconds in (0.05, 0.2, 60, 299.999):
        clock.moment = datetime(2026, 11, 24, 3, 0, tzinfo=UTC) + timedelta(seconds=seconds)
        overlapping_sweeps(store, slack, clock, config())
        assert paged(slack, CAROL) == [], f"paged {seconds}s after Bob"

    clock.moment = datetime(2026, 11, 24, 3, 5, tzinfo=UTC)
    overlapping_sweeps(store, slack, clock, config())

    assert paged(slack, CAROL) == [1], "exactly when Bob's five minutes ran out, and once"


def test_a_one_level_page_is_not_dropped_before_its_wait_runs_out(store, slack, clock):
    store.pages.lagging_index = True
    page = page_from_a_mention(store, slack, clock, BOB_ONLY)

    clock.advance(seconds=0.05)
    overlapping_sweeps(store, slack, clock, config(BOB_ONLY))
    assert store.pages.get(page.id).is_active, "not exhausted 50 ms after paging"
    assert not [note for note in slack.notes if ":no_bell:" in note[2]]

    clock.advance(minutes=5)
    overlapping_sweeps(store, slack, clock, config(BOB_ONLY), count=3)
    assert store.pages.get(page.id).state is PageState.EXHAUSTED
    assert len([note for note in slack.notes if ":no_bell:" in note[2]]) == 1


def test_a_level_told_late_keeps_its_whole_wait(store, slack, clock):
    slack.unreachable = {BOB}  # Slack refuses Bob's message: the step is claimed, not finished
    with pytest.raises(ConnectionError):
        page_from_a_mention(store, slack, clock)
    slack.unreachable = set()
    clock.advance(minutes=1)
    overlapping_sweeps(store, slack, clock, config())  # the next sweep tells Bob, a minute late
    assert paged(slack, BOB) == [0]

    clock.advance(minutes=4, seconds=59)
    overlapping_sweeps(store, slack, clock, config())
    assert paged(slack, CAROL) == [], "Bob's five minutes run from when he was told"
    clock.advance(seconds=1)
    overlapping_sweeps(store, slack, clock, config())
    assert paged(slack, CAROL) == [1]


def test_an_alert_pages_its_policy_when_its_ack_timeout_runs_out_not_when_the_index_lists_it(store, slack, clock):
    store.pages.lagging_index = True
    rule = Rule.create(pattern="disk", target_channel=INCIDENTS, policy="db", ack_timeout_seconds=120)
    cfg = Configuration(version=1, rules=(rule,), policies={"db": BOB_THEN_CAROL})
    take(ChannelMessage(ALERTS, "1800000000.000200", "B0DATADOG", "disk 97%"), config=cfg,
         me=Identity("U0KLAXON", "B0K", None), store=store, slack=slack, now=clock.now())

    clock.advance(seconds=119)
    overlapping_sweeps(store, slack, clock, cfg)
    assert slack.pages_sent == [] and len(store.pages.timers) == 1, "the timer is still there, untouched"

    clock.advance(seconds=1)
    overlapping_sweeps(store, slack, clock, cfg)
    assert paged(slack, BOB) == [0]


def test_a_sources_alert_pages_the_sources_policy_when_its_ack_timeout_runs_out_and_once(store, slack, clock):
    store.pages.lagging_index = True
    cfg = Configuration(version=1, policies={"db": BOB_THEN_CAROL}, preferences=Preferences(
        source_channels={"generic": INCIDENTS}, source_policies={"generic": "db"},
        source_ack_timeouts={"generic": 120}))
    event = ExternalEvent("generic", "checkout-latency", ExternalStatus.FIRING, "checkout p99 above 2s",
                          occurred_at=clock.now())
    (taken,) = take_external([event], wired(store, slack, clock, cfg).intake(Identity("U0KLAXON", "B0K", None)))
    assert taken.alert.is_posted and taken.alert.policy == "db"

    clock.advance(seconds=119, microseconds=999_999)
    overlapping_sweeps(store, slack, clock, cfg, count=3)
    assert slack.pages_sent == [], "a microsecond early"
    clock.advance(microseconds=1)
    overlapping_sweeps(store, slack, clock, cfg, count=3)
    assert slack.pages_sent == [(BOB, f"alert/{taken.alert.id}", 0)]


def test_an_alert_joins_the_digest_when_it_is_overdue_and_not_a_moment_before(store, slack, clock):
    cfg = Configuration(version=1, rules=(Rule.create(pattern="disk", target_channel=INCIDENTS),),
                        preferences=Preferences(digest_after_seconds=900))
    take(ChannelMessage(ALERTS, "1800000000.000300", "B0DATADOG", "disk full"), config=cfg,
         me=Identity("U0KLAXON", "B0K", None), store=store, slack=slack, now=clock.now())

    clock.advance(seconds=899.999)
    overlapping_sweeps(store, slack, clock, cfg)
    assert slack.digests == []
    clock.advance(seconds=0.001)
    overlapping_sweeps(store, slack, clock, cfg)
    (digest,) = slack.digests
    assert [alert.text for alert in digest.unacknowledged] == ["disk full"]


def test_a_reminder_goes_out_once_at_its_hour_and_not_a_second_before(store, slack, clock):
    cfg = Configuration(version=1, preferences=Preferences(reminder_channel="C0REMIND", reminder_hours=("09:00",)))
    clock.moment = datetime(2026, 11, 24, 8, 59, 59, 999_999, tzinfo=UTC)
    overlapping_sweeps(store, slack, clock, cfg, count=3)
    assert slack.reminders == []

    clock.moment = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    overlapping_sweeps(store, slack, clock, cfg, count=3)
    clock.advance(minutes=1)
    overlapping_sweeps(store, slack, clock, cfg, count=3)
    assert len(slack.reminders) == 1
