"""Monitoring sources' events through the one intake, on the fakes, wired as the webhooks function wires it:
judged, silenced or not, grouped by dedup key, posted once, updated, resolved, reopened - and paging told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.external import ExternalEvent, ExternalStatus, Severity
from klaxon.alerts.intake import take_external
from klaxon.alerts.judging import Identity, Verdict
from klaxon.alerts.lifecycle import Change
from klaxon.alerts.model import AlertState, ExternalOrigin
from klaxon.configuration.model import Configuration
from klaxon.metrics import SOURCE, Measurement, Metric
from klaxon.paging.policies import EscalationPolicy, Level, PageState
from klaxon.rules import Action, Rule
from klaxon.sweep import SweepContext, sweep
from tests.fakes import FakeClock, FakeDirectory, FakeSlack, wired

INCIDENTS, PAYMENTS = "C0INCIDENT", "C0PAYMENTS"
ME = Identity("U0KLAXON", "B0KLAXON", INCIDENTS)
T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
FIRING, RESOLVED = ExternalStatus.FIRING, ExternalStatus.RESOLVED


def event(title: str = "checkout p99 above 2s", status: ExternalStatus = FIRING, minutes: float = 0,
          key: str = "checkout-latency", **fields: object) -> ExternalEvent:
    return ExternalEvent("generic", key, status, title, occurred_at=T0 + timedelta(minutes=minutes),
                         **fields)  # type: ignore[arg-type]


@pytest.fixture
def clock():
    return FakeClock(T0 + timedelta(minutes=1))


@pytest.fixture
def metrics():
    return []


def take(store, slack, clock, *events, config=None, me=ME, metrics=None, on_time=True):
    """The events as one request; `on_time`: delivered once they happened (the clock moves up to the latest)."""
    latest = max((e.occurred_at for e in events if e.occurred_at), default=clock.now())
    if on_time and latest > clock.now():
        clock.moment = latest
    work = wired(store, slack, clock, config or Configuration(version=1), metrics=metrics)
    return take_external(list(events), work.intake(me))


def outcomes(taken):
    return [t.change for t in taken]


def test_a_new_alert_is_posted_to_the_incidents_channel_labelled_by_severity(store, slack, clock, metrics):
    (taken,) = take(store, slack, clock, event(severity=Severity.CRITICAL, host="api-3", text="p99 is 2.4s",
                                                link="https://grafana.example.com/d/1", labels={"team": "pay"}),
                    metrics=metrics)

    assert taken.change is Change.NEW and taken.judgement.verdict is Verdict.ALERT
    (posted,) = slack.posts
    assert posted.target_channel == INCIDENTS and posted.label == "[Critical]"
    assert posted.text == "checkout p99 above 2s\np99 is 2.4s" and posted.headline == "checkout p99 above 2s"
    assert posted.origin == ExternalOrigin("generic", "checkout-latency", link="https://grafana.example.com/d/1",
                                           host="api-3", severity=Severity.CRITICAL, labels={"team": "pay"},
                                           occurred_at=T0)
    assert posted.link == "https://grafana.example.com/d/1" and posted.first_seen == T0
    assert store.alerts.get(taken.alert.id).is_posted
    assert metrics == [Measurement(Metric.ALERTS_RAISED, dimensions={SOURCE: "generic"})]


def test_a_repeat_counts_into_the_same_post(store, slack, clock):
    take(store, slack, clock, event(minutes=0))
    (taken,) = take(store, slack, clock, event("checkout p99 above 3s", minutes=2))

    assert taken.change is Change.REPEAT and len(slack.posts) == 1
    assert slack.updates[-1].count == 2 and slack.updates[-1].last_seen == T0 + timedelta(minutes=2)


def test_an_older_event_changes_nothing(store, slack, clock):
    take(store, slack, clock, event(minutes=5))
    (taken,) = take(store, slack, clock, event(status=RESOLVED, minutes=3))
    assert taken.change is Change.STALE and not slack.updates
    assert store.alerts.get(taken.alert.id).state is AlertState.OPEN


@pytest.mark.parametrize("sent_at", [T0 + timedelta(days=365 * 900),  # a made-up year
                                     T0 + timedelta(minutes=30),  # a sender's clock running fast
                                     datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)])  # the last datetime
def test_a_firing_dated_after_now_is_taken_as_now_so_its_later_resolve_lands(store, slack, clock, sent_at):
    # Kept as sent, it made every later event of its key stale - the source's resolve could never land -
    # and the last datetime overflowed the stored state's expiry: a 500 the source retried for ever.
    (fired,) = take(store, slack, clock, replace(event(), occurred_at=sent_at), on_time=False)
    assert fired.change is Change.NEW and fired.alert.first_seen == clock.now()

    clock.advance(minutes=2)
    (resolved,) = take(store, slack, clock, replace(event(status=RESOLVED), occurred_at=None))
    assert resolved.change is Change.RESOLVE and slack.updates[-1].state is AlertState.RESOLVED


def test_a_resolve_resolves_the_alert_and_redraws_its_post(store, slack, clock, metrics):
    take(store, slack, clock, event(minutes=0))
    (taken,) = take(store, slack, clock, event(status=RESOLVED, minutes=3), metrics=metrics)

    assert taken.change is Change.RESOLVE and len(slack.posts) == 1
    resolved = slack.updates[-1]
    assert resolved.state is AlertState.RESOLVED and resolved.resolved_by == "webhook:generic"
    assert resolved.resolved_at == T0 + timedelta(minutes=3)
    assert Measurement(Metric.ALERTS_RESOLVED) in metrics


def test_a_resolve_for_an_unknown_key_is_kept_so_an_older_firing_is_ignored(store, slack, clock):
    assert outcomes(take(store, slack, clock, event(status=RESOLVED, minutes=10))) == [Change.KEPT]
    assert outcomes(take(store, slack, clock, event(minutes=9))) == [Change.STALE]
    assert slack.posts == [] and store.alerts.alerts == {}
    assert outcomes(take(store, slack, clock, event(minutes=11))) == [Change.NEW] and len(slack.posts) == 1


def test_a_firing_within_the_window_after_its_resolve_reopens_the_same_alert(store, slack, clock, metrics):
    take(store, slack, clock, event(minutes=0), event(status=RESOLVED, minutes=2))
    (taken,) = take(store, slack, clock, event(minutes=6), metrics=metrics)

    assert taken.change is Change.REOPEN and len(slack.posts) == 1
    reopened = slack.updates[-1]
    assert reopened.state is AlertState.OPEN and reopened.count == 2 and reopened.id == taken.alert.id
    assert Measurement(Metric.ALERTS_REOPENED) in metrics


def test_a_firing_after_the_window_is_a_new_alert_with_its_own_post(store, slack, clock):
    (first,) = take(store, slack, clock, event(minutes=0))
    take(store, slack, clock, event(status=RESOLVED, minutes=2))
    (second,) = take(store, slack, clock, event(minutes=13))

    assert second.change is Change.NEW and second.alert.id != first.alert.id
    assert [a.id.rsplit(":", 1)[1] for a in slack.posts] == ["1", "2"]


def test_events_of_one_key_in_one_request_apply_in_order(store, slack, clock):
    taken = take(store, slack, clock, event(minutes=0), event(status=RESOLVED, minutes=1), event(minutes=2),
                 event(key="other", title="disk full"))
    assert outcomes(taken) == [Change.NEW, Change.RESOLVE, Change.REOPEN, Change.NEW]
    assert len(slack.posts) == 2


# ------------------------------------------------------------------------------------------------ the rules
def test_a_rule_scoped_to_the_source_takes_it_by_title_text_or_label(store, slack, clock):
    config = Configuration(version=1, rules=(
        Rule.create(pattern="checkout", target_channel=PAYMENTS, label="[Payments]", channels=["C0OTHER"]),
        Rule.create(pattern="team=payments", target_channel=PAYMENTS, label="[Team]", posters=["webhook:generic"]),
    ))
    (taken,) = take(store, slack, clock, event(labels={"team": "payments"}), config=config)

    assert taken.judgement.rule.label == "[Team]", "a channel-scoped rule never takes a webhook alert"
    assert slack.posts[0].target_channel == PAYMENTS and slack.posts[0].label == "[Team]"


def test_a_rule_scoped_to_another_source_does_not_take_it(store, slack, clock):
    config = Configuration(version=1, rules=(
        Rule.create(pattern="checkout", target_channel=PAYMENTS, posters=["webhook:grafana"]),))
    take(store, slack, clock, event(), config=config)
    assert slack.posts[0].target_channel == INCIDENTS and slack.posts[0].rule_id is None


def test_a_suppress_rule_records_nothing(store, slack, clock):
    config = Configuration(version=1, rules=(Rule.create(pattern="checkout", target_channel=INCIDENTS,
                                                         action=Action.SUPPRESS),))
    (taken,) = take(store, slack, clock, event(), config=config)
    assert taken.change is None and taken.judgement.verdict is Verdict.SUPPRESS
    assert slack.posts == [] and store.alerts.alerts == {} and store.alerts.states == {}


def test_without_a_rule_or_an_incidents_channel_it_says_why_and_records_nothing(store, slack, clock):
    (taken,) = take(store, slack, clock, event(), me=Identity("U0K", "B0K", None))
    assert taken.change is None and "nor an incidents channel is set" in taken.judgement.reason
    assert store.alerts.alerts == {}


def test_resolves_are_not_judged_they_close_what_their_key_raised(store, slack, clock):
    take(store, slack, clock, event())
    suppressing = Configuration(version=2, rules=(Rule.create(pattern=".", target_channel=INCIDENTS,
                                                              action=Action.SUPPRESS),))
    (taken,) = take(store, slack, clock, event(status=RESOLVED, minutes=1), config=suppressing)
    assert taken.change is Change.RESOLVE and taken.judgement is None


# ------------------------------------------------------------------------------------------------ silences
class SilenceCheckout:
    """A silence on every alert whose text mentions checkout (what `/klaxon silence` will store)."""

    def silencing(self, alert, at):
        return "s-checkout" if "checkout" in alert.text else None


def test_a_silenced_alert_is_recorded_but_neither_posted_nor_paged(store, slack, clock, metrics):
    config = Configuration(version=1, rules=(Rule.create(pattern=".", target_channel=INCIDENTS, policy="db"),),
                           policies={"db": EscalationPolicy("db", (Level(("U0BOB",)),))})
    work = wired(store, slack, clock, config, metrics=metrics)
    intake = replace(work.intake(ME), silences=SilenceCheckout())

    (silenced,) = take_external([event()], intake)
    (repeat,) = take_external([event(minutes=1)], intake)
    (other,) = take_external([event("disk full", key="disk")], intake)

    assert silenced.change is Change.NEW and silenced.alert.silenced_by == "s-checkout"
    assert repeat.change is Change.REPEAT and not slack.updates
    assert [a.id for a in slack.posts] == [other.alert.id], "only the alert no silence matches is posted"
    assert store.pages.timers.keys() == {other.alert.id}, "and only it will page"
    assert store.alerts.unacknowledged(INCIDENTS, T0 + timedelta(days=1)).alerts == \
        (store.alerts.get(other.alert.id),)
    rule, generic = {"rule": config.rules[0].id}, {SOURCE: "generic"}
    assert metrics == [Measurement(Metric.ALERTS_RAISED, dimensions=generic, properties=rule),
                       Measurement(Metric.ALERTS_SILENCED, properties={"silence": "s-checkout", "source": "generic"}),
                       Measurement(Metric.ALERTS_GROUPED),
                       Measurement(Metric.ALERTS_RAISED, dimensions=generic, properties=rule)]


# ------------------------------------------------------------------------------------------------ paging
def test_the_sources_resolve_stops_the_page_and_a_reopen_does_not_page_again(store, slack, clock):
    db = EscalationPolicy("db", (Level(("U0BOB",), 600),))
    config = Configuration(version=1, policies={"db": db}, rules=(
        Rule.create(pattern="checkout", target_channel=INCIDENTS, policy="db", ack_timeout_seconds=60),))
    (taken,) = take(store, slack, clock, event(minutes=0), config=config)
    clock.advance(minutes=2)
    work = wired(store, slack, clock, config, directory=FakeDirectory())
    sweep(SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=config, now=clock.now(),
                       publish=work.publish))
    assert slack.pages_sent == [("U0BOB", f"alert/{taken.alert.id}", 0)]

    take(store, slack, clock, event(status=RESOLVED, minutes=2), config=config)
    page = store.pages.get(f"alert/{taken.alert.id}")
    assert page.state is PageState.ACKNOWLEDGED and page.acknowledged_by == "webhook:generic"
    assert slack.notes[-1][2].startswith(":white_check_mark: generic resolved the alert after")
    assert store.alerts.get(taken.alert.id).marks == (), "nobody clicked: the alert is resolved, not acknowledged"

    take(store, slack, clock, event(minutes=4), config=config)
    clock.advance(minutes=5)
    sweep(SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=config, now=clock.now(),
                       publish=work.publish))
    assert len(slack.pages_sent) == 1, "reopened, not paged again"


# ------------------------------------------------------------------------------------------------ failures
class Killed(BaseException):
    """Lambda ended the function mid-way (a timeout, a crash): nothing after it runs."""


def test_an_alert_whose_raiser_died_before_posting_is_posted_once_by_a_later_delivery(store, clock):
    class DyingSlack(FakeSlack):
        def post_alert(self, alert):
            raise Killed("the function timed out")

    with pytest.raises(Killed):
        take(store, DyingSlack(), clock, event(minutes=0))
    slack = FakeSlack()
    clock.advance(minutes=1)
    (early,) = take(store, slack, clock, event(minutes=1))
    assert early.change is Change.REPEAT and slack.posts == [], "its raiser's lease holds: it may be posting it"

    clock.advance(minutes=2)
    take(store, slack, clock, event(minutes=3))
    take(store, slack, clock, event(minutes=4))

    assert len(slack.posts) == 1 and store.alerts.get(early.alert.id).is_posted and len(slack.updates) == 1


def test_an_alert_whose_post_failed_is_answered_as_taken_and_posted_by_the_next_delivery_at_once(store, clock):
    class RefusingSlack(FakeSlack):
        def post_alert(self, alert):
            raise ConnectionError("connection reset by Slack")

    (refused,) = take(store, RefusingSlack(), clock, event(minutes=0))
    assert refused.change is Change.NEW and not refused.alert.is_posted, "recorded: the source need not resend it"
    slack = FakeSlack()
    (repeat,) = take(store, slack, clock, event(minutes=0.5))
    assert repeat.change is Change.REPEAT and len(slack.posts) == 1, "the failed raiser let its lease go"
    assert slack.updates[-1].count == 2, "posted, then the repeat's count drawn at once"


def test_new_alerts_the_function_has_no_time_to_post_are_posted_by_a_later_sweep(store, slack, clock):
    seconds_left = iter([20, 20, 4, 4])  # Lambda's remaining time as each new alert is about to be posted
    work = wired(store, slack, clock, Configuration(version=1))
    intake = replace(work.intake(ME), time_left_ms=lambda: next(seconds_left) * 1000)
    taken = take_external([event(f"disk full on db{n}", key=f"disk-db{n}") for n in range(4)], intake)

    assert [t.change for t in taken] == [Change.NEW] * 4 and len(slack.posts) == 2
    assert [t.alert.is_posted for t in taken] == [True, True, False, False]

    def sweep_at(minutes: float):
        clock.advance(minutes=minutes)
        return sweep(SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=Configuration(),
                                  now=clock.now(), publish=work.publish))

    assert sweep_at(1).done["posted"] == 0 and len(slack.posts) == 2, "their raiser's lease still holds"
    assert sweep_at(2).done["posted"] == 2 and len(slack.posts) == 4
    assert sweep_at(1).done["posted"] == 0 and all(a.is_posted for a in store.alerts.alerts.values())


def test_an_ack_timeout_waits_for_its_alert_to_be_posted(store, slack, clock):
    config = Configuration(version=1, policies={"db": EscalationPolicy("db", (Level(("U0BOB",)),))}, rules=(
        Rule.create(pattern="checkout", target_channel=INCIDENTS, policy="db", ack_timeout_seconds=30),))
    work = wired(store, slack, clock, config)
    (taken,) = take_external([event()], replace(work.intake(ME), time_left_ms=lambda: 1000))
    clock.advance(minutes=1)
    context = SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=config, now=clock.now(),
                           publish=work.publish)
    sweep(context)
    assert slack.posts == [] and slack.pages_sent == [], "an alert nobody can see pages nobody yet"

    clock.advance(minutes=2)
    sweep(replace(context, now=clock.now()))
    assert len(slack.posts) == 1 and slack.pages_sent == [("U0BOB", f"alert/{taken.alert.id}", 0)]


def test_out_of_time_a_repeats_count_waits_for_the_next_redraw_but_a_resolve_is_drawn(store, slack, clock):
    take(store, slack, clock, event(minutes=0))
    work = wired(store, slack, clock, Configuration(version=1))
    hurried = replace(work.intake(ME), time_left_ms=lambda: 1000)

    (repeat,) = take_external([event(minutes=1)], hurried)
    assert repeat.change is Change.REPEAT and slack.updates == []
    assert store.alerts.trailing_redraws(clock.now()) == [repeat.alert.id], "the sweep draws it"
    (resolved,) = take_external([event(status=RESOLVED, minutes=2)], hurried)
    assert resolved.change is Change.RESOLVE and slack.updates[-1].count == 2
