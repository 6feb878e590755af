"""Posting exactly once and leaving nothing behind, on the fakes: racing workers post an alert once, the
sweep posts what a dead worker or an unreachable channel left waiting, and admins hear about the channel -
for a channel's message and for a monitoring source's event alike (one posting lease serves both)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klaxon.alerts import posting
from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.intake import take_external
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.model import Alert, SlackMessageOrigin, alert_id
from klaxon.configuration.model import Configuration, Preferences
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.rules import Rule
from klaxon.sweep import SweepContext, sweep
from tests.fakes import FakeClock, FakeDirectory, take, wired

ALERTS, INCIDENTS, SECRET = "C0ALERTS", "C0INCIDENT", "C0SECRET"
ME = Identity("U0KLAXON", "B0KLAXON", None)


def config(**preferences) -> Configuration:
    rules = (Rule.create(pattern="disk", target_channel=INCIDENTS), Rule.create(pattern="auth", target_channel=SECRET))
    return Configuration(version=1, rules=rules, preferences=Preferences(**preferences))


def monitoring_says(store, slack, clock, text, ts, cfg=None):
    take(ChannelMessage(ALERTS, ts, "B0DATADOG", text), config=cfg or config(), me=ME, store=store, slack=slack,
         now=clock.now())
    return store.alerts.find_by_message(ALERTS, ts)


def source_says(store, slack, clock, title, key, cfg=None):
    """A monitoring source's firing event through the intake; the alert it raised."""
    event = ExternalEvent("generic", key, ExternalStatus.FIRING, title, occurred_at=clock.now())
    (taken,) = take_external([event], wired(store, slack, FakeClock(clock.now()), cfg or config()).intake(ME))
    return taken.alert


def run_sweep(store, slack, clock, cfg=None):
    cfg = cfg or config()
    return sweep(SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=cfg, now=clock.now(),
                              publish=wired(store, slack, clock, cfg).publish))


def recorded_not_posted(store, clock, text="disk full", ts="1.1", target=INCIDENTS) -> Alert:
    """An alert its worker recorded (holding its posting lease) and has not posted yet."""
    alert = Alert(id=alert_id(ALERTS, ts), origin=SlackMessageOrigin(ALERTS, ts, "B0DATADOG"), text=text,
                  label="[Alert]", target_channel=target, fingerprint=f"fp-{ts}", first_seen=clock.now())
    return store.alerts.raise_alert(alert, clock.now() + timedelta(minutes=10), clock.now()).alert


def post_once(alert, store, slack, clock, **how):
    return posting.post_once(alert, store=store, slack=slack, publish=lambda _: None, now=clock.now(), **how)


def test_two_workers_that_find_the_same_alert_unposted_post_it_once(store, slack, clock):
    recorded = recorded_not_posted(store, clock)
    clock.advance(minutes=2)  # its raiser's lease ran out: anyone may take it
    for _worker in range(2):  # e.g. two edits of one message, delivered at once
        post_once(recorded, store, slack, clock)
    assert len(slack.posts) == 1 and store.alerts.get(recorded.id).is_posted


def test_nobody_else_posts_an_alert_while_its_raiser_holds_the_lease(store, slack, clock):
    recorded = recorded_not_posted(store, clock)
    clock.advance(seconds=119)
    assert not post_once(recorded, store, slack, clock).is_posted and slack.posts == []
    assert post_once(recorded, store, slack, clock, leased=True).is_posted, "its raiser posts it"


def test_an_alert_whose_worker_died_before_posting_is_posted_by_the_sweep_once_its_lease_runs_out(store, slack,
                                                                                                  clock):
    recorded_not_posted(store, clock)  # and then its container was killed

    clock.advance(seconds=119)
    run_sweep(store, slack, clock)
    assert slack.posts == [], "the worker that recorded it may still be posting"

    clock.advance(seconds=1)
    report = run_sweep(store, slack, clock)
    run_sweep(store, slack, clock)
    assert report.done["posted"] == 1 and len(slack.posts) == 1
    assert store.alerts.unposted(clock.now()) == []


def test_a_sources_alert_whose_post_failed_is_posted_once_by_the_next_worker_or_the_sweep(store, slack, clock):
    post = slack.post_alert

    def refused(alert):
        raise OSError("connection reset")

    slack.post_alert = refused
    assert not source_says(store, slack, clock, "disk full on db-1", "db-1-disk").is_posted
    slack.post_alert = post
    (waiting,) = store.alerts.unposted(clock.now())
    assert waiting.text == "disk full on db-1"

    run_sweep(store, slack, clock)  # the failed worker let the lease go: the sweep need not wait
    run_sweep(store, slack, clock)
    assert len(slack.posts) == 1 and store.alerts.unposted(clock.now() + timedelta(hours=1)) == []


def test_a_post_whose_answer_was_lost_is_found_by_the_sweep_not_posted_twice(store, slack, clock):
    post = slack.post_alert

    def posted_but_answer_lost(alert):
        post(alert)
        raise TimeoutError("Slack answered after the client gave up")

    slack.post_alert = posted_but_answer_lost
    with pytest.raises(TimeoutError):
        monitoring_says(store, slack, clock, "disk full", "1.1")
    slack.post_alert = post
    alert = monitoring_says(store, slack, clock, "disk full", "1.1")  # Lambda's retry of the lazy work
    assert not alert.is_posted, "the claim is kept: nobody posts it while Slack may be making it"

    clock.advance(minutes=2, seconds=1)  # the lease ran out
    run_sweep(store, slack, clock)

    assert len(slack.posts) == 1 and ("recent_alert_posts", INCIDENTS) in slack.calls
    assert store.alerts.get(alert.id).post_ts == "1800000000.000001"


def test_a_link_slack_was_too_slow_to_give_holds_nothing_back(store, slack, clock):
    link = slack.permalink
    slack.permalink = lambda channel, ts: (_ for _ in ()).throw(TimeoutError("chat.getPermalink timed out"))
    with pytest.raises(TimeoutError):
        monitoring_says(store, slack, clock, "disk full", "1.1")
    slack.permalink = link
    assert monitoring_says(store, slack, clock, "disk full", "1.1").is_posted, "Lambda's retry posts it at once"


def test_while_slack_will_not_show_what_was_posted_waiting_alerts_wait_rather_than_post_twice(store, slack, clock):
    recorded_not_posted(store, clock)
    clock.advance(minutes=2)
    slack.busy = True  # conversations.history is rate-limited hard for apps outside the Marketplace
    report = run_sweep(store, slack, clock)
    assert report.done["posted"] == 0 and slack.posts == [] and not report.failed

    slack.busy = False
    clock.advance(minutes=1)
    assert run_sweep(store, slack, clock).done["posted"] == 1 and len(slack.posts) == 1


def test_an_alert_for_a_channel_klaxon_cannot_post_in_waits_and_the_admins_are_told_once(store, slack, clock):
    slack.closed_channels = {SECRET}
    for n in range(3):
        alert = monitoring_says(store, slack, clock, f"auth failures on db-{n}", f"1.{n}")
        assert not alert.is_posted
    monitoring_says(store, slack, clock, "disk full", "2.1")

    (note,) = [e for e in store.configuration.entries if e.action == "cannot post"]
    assert f"<#{SECRET}>" in note.summary and "channel_not_found" in note.summary and "/invite @klaxon" in note.summary
    assert note.actor == posting.KLAXON

    clock.advance(minutes=16)
    run_sweep(store, slack, clock)
    (digest,) = slack.digests
    assert digest.channel == INCIDENTS, "no digest is tried where Klaxon cannot post"
    (waiting,) = digest.unreachable
    assert (waiting.channel, waiting.reason, waiting.waiting) == (SECRET, "channel_not_found", 3)
    assert len([e for e in store.configuration.entries if e.action == "cannot post"]) == 1


def test_once_klaxon_is_invited_the_waiting_alerts_are_posted_and_the_warning_goes(store, slack, clock):
    slack.closed_channels = {SECRET}
    for n in range(3):
        monitoring_says(store, slack, clock, f"auth failures on db-{n}", f"1.{n}")
    monitoring_says(store, slack, clock, "disk full", "2.1")
    clock.advance(minutes=16)
    run_sweep(store, slack, clock)

    slack.closed_channels = set()
    clock.advance(minutes=1)
    report = run_sweep(store, slack, clock)

    assert report.done["posted"] == 3
    assert sorted(a.text for a in slack.posts if a.target_channel == SECRET) == [f"auth failures on db-{n}"
                                                                                 for n in range(3)]
    assert slack.digests[-1].unreachable == ()


def test_an_alert_waiting_for_its_channel_still_pages_from_the_original_message(store, slack, clock):
    policy = EscalationPolicy("db", levels=(Level(("U0BOB",), 60),))
    rule = Rule.create(pattern="auth", target_channel=SECRET, policy="db", ack_timeout_seconds=60)
    cfg = Configuration(version=1, rules=(rule,), policies={"db": policy})
    slack.closed_channels = {SECRET}
    alert = monitoring_says(store, slack, clock, "auth failures", "1.1", cfg)

    clock.advance(minutes=1)
    run_sweep(store, slack, clock, cfg)

    assert slack.pages_sent == [("U0BOB", f"alert/{alert.id}", 0)]
    assert slack.notes[0][:2] == (ALERTS, "1.1"), "the page's notes go to the original message's thread"


def test_a_sources_alert_waiting_for_its_channel_still_pages_its_policy_without_a_thread(store, slack, clock):
    policy = EscalationPolicy("db", levels=(Level(("U0BOB",), 60),))
    cfg = Configuration(version=1, policies={"db": policy}, preferences=Preferences(
        source_channels={"generic": SECRET}, source_policies={"generic": "db"}, source_ack_timeouts={"generic": 60}))
    slack.closed_channels = {SECRET}
    alert = source_says(store, slack, clock, "checkout p99 above 2s", "checkout-latency", cfg)
    assert not alert.is_posted

    clock.advance(minutes=3)  # past its ack timeout and its posting lease: the sweep tries, and cannot post it
    run_sweep(store, slack, clock, cfg)

    assert slack.pages_sent == [("U0BOB", f"alert/{alert.id}", 0)], "a page is not lost to a misconfigured channel"
    assert slack.notes == [], "no thread to note it in"


def test_a_digest_channel_klaxon_was_removed_from_is_told_not_fatal(store, slack, clock):
    monitoring_says(store, slack, clock, "disk full", "1.1")
    clock.advance(minutes=16)
    slack.closed_channels = {INCIDENTS}
    report = run_sweep(store, slack, clock)
    assert not report.failed and report.done["digests"] == 0
    assert [e.action for e in store.configuration.entries] == ["cannot post"]


def test_nothing_is_waiting_once_posted(store, slack, clock):
    monitoring_says(store, slack, clock, "disk full", "1.1")
    assert store.alerts.unposted(clock.now() + timedelta(hours=1)) == []
