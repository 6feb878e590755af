"""Alerts in DynamoDB (moto) and in the fake alike: recorded once per message, grouped, found by either of
their messages; a monitoring source's events applied to its key's alert exactly once and in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.external import ExternalEvent, ExternalStatus, Severity
from klaxon.alerts.lifecycle import Change, external_alert_id, key_hash
from klaxon.alerts.model import Alert, AlertState, ExternalOrigin, HandledMark, SlackMessageOrigin
from klaxon.alerts.ports import Arrival, RaiseOutcome
from klaxon.dynamo import DynamoStore
from klaxon.dynamo.alerts import alert_item
from tests.fakes import InMemoryStore
from tests.integration.conftest import at_once

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


def alert(ts: str = "1800000000.000100", fingerprint: str = "fp-disk", at: datetime = T0, **fields) -> Alert:
    return Alert(id=f"C0ALERTS/{ts}", origin=SlackMessageOrigin("C0ALERTS", ts, "B0DATADOG"),
                 text="disk 91% on db-1", label="[Error]", target_channel="C0INCIDENT", fingerprint=fingerprint,
                 first_seen=at, rule_id="r-1", hotline=("U0ONCALL", "here"), **fields)


def drawn(store, alert_id: str, now: datetime = T0 + timedelta(hours=1)) -> Alert:
    """The alert as its post's next redraw shows it: its repeats counted, its last seen the latest
    (klaxon.alerts.storms; a repeat writes no alert item)."""
    alert = store.alerts.claim_redraw(alert_id, now, until=now)
    assert alert is not None
    return alert


@pytest.fixture(params=["memory", "dynamo"])
def store(request):
    """Every repository behaviour holds for the in-memory fake and for DynamoDB alike."""
    return InMemoryStore() if request.param == "memory" else request.getfixturevalue("dynamo_store")


def test_a_new_alert_is_stored_as_it_was_raised(store):
    raised = store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    assert raised.outcome is RaiseOutcome.NEW
    assert store.alerts.get(raised.alert.id) == alert()


def test_a_message_raises_at_most_once(store):
    store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    again = store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    assert again.outcome is RaiseOutcome.ALREADY_RECORDED and again.alert.count == 1


def test_repeats_in_the_window_count_into_the_first_alert(store):
    store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    later = T0 + timedelta(minutes=5)
    grouped = store.alerts.raise_alert(alert(ts="1800000300.000100", at=later), later + WINDOW, T0)
    assert grouped.outcome is RaiseOutcome.GROUPED
    assert grouped.alert.id == "C0ALERTS/1800000000.000100"
    assert drawn(store, grouped.alert.id).count == 2 and drawn(store, grouped.alert.id).last_seen == later
    assert store.alerts.find_by_message("C0ALERTS", "1800000300.000100").id == grouped.alert.id


def test_a_repeat_posted_earlier_but_delivered_later_does_not_turn_last_seen_back(store):
    store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    later, earlier = T0 + timedelta(minutes=7), T0 + timedelta(minutes=3)
    store.alerts.raise_alert(alert(ts="1800000420.000100", at=later), later + WINDOW, T0)
    delivered_late = store.alerts.raise_alert(alert(ts="1800000180.000100", at=earlier), earlier + WINDOW, T0)
    shown = drawn(store, delivered_late.alert.id)
    assert shown.count == 3 and shown.last_seen == later


def test_a_repeat_said_before_the_alert_itself_leaves_last_seen_unset(store):
    store.alerts.raise_alert(alert(at=T0 + timedelta(minutes=2)), T0 + WINDOW, T0)
    before = store.alerts.raise_alert(alert(ts="1800000000.000050", at=T0), T0 + WINDOW, T0)
    shown = drawn(store, before.alert.id)
    assert shown.count == 2 and shown.last_seen is None and shown.seen_last == T0 + timedelta(minutes=2)


def test_a_repeat_after_the_window_is_a_new_alert(store):
    store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    later = T0 + WINDOW + timedelta(seconds=1)
    assert store.alerts.raise_alert(alert(ts="2.0", at=later), later + WINDOW, T0).outcome is RaiseOutcome.NEW


def test_a_repeat_of_a_resolved_alert_is_a_new_alert(store, request):
    store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    if isinstance(store, DynamoStore):
        store.table.update("ALERT#C0ALERTS/1800000000.000100", "ALERT", "SET resolved_by = :u", values={":u": "U1"})
    else:
        first = store.alerts.alerts["C0ALERTS/1800000000.000100"]
        store.alerts.alerts[first.id] = replace(first, resolved_by="U1")
    raised = store.alerts.raise_alert(alert(ts="2.0", at=T0 + timedelta(minutes=1)), T0 + WINDOW, T0)
    assert raised.outcome is RaiseOutcome.NEW and raised.alert.id == "C0ALERTS/2.0"


def test_a_posted_alert_is_found_from_its_post_and_from_its_original(store):
    raised = store.alerts.raise_alert(alert(), T0 + WINDOW, T0)
    posted = store.alerts.record_post(raised.alert.with_permalink("https://example/link"), "1800000001.000200")
    assert posted.post_ts == "1800000001.000200"
    assert store.alerts.find_by_message("C0INCIDENT", "1800000001.000200") == posted
    assert store.alerts.find_by_message("C0ALERTS", "1800000000.000100") == posted
    assert store.alerts.find_by_message("C0INCIDENT", "1800000009.000000") is None


def test_racing_workers_record_a_message_once(racing_store):
    outcomes = at_once(lambda _: racing_store.alerts.raise_alert(alert(), T0 + WINDOW, T0).outcome, range(4))
    assert outcomes.count(RaiseOutcome.NEW) == 1
    assert outcomes.count(RaiseOutcome.ALREADY_RECORDED) == 3


def test_racing_repeats_are_each_counted_once(racing_store):
    racing_store.alerts.raise_alert(alert(), T0 + WINDOW, T0)

    def repeat(n: int) -> RaiseOutcome:
        return racing_store.alerts.raise_alert(alert(ts=f"18000001{n:02d}.000100", at=T0 + timedelta(seconds=n)),
                                               T0 + WINDOW, T0).outcome

    outcomes = at_once(repeat, range(5))
    assert outcomes == [RaiseOutcome.GROUPED] * 5, outcomes
    assert drawn(racing_store, "C0ALERTS/1800000000.000100").count == 6


def test_claims_expire_through_ttl(dynamo_store):
    dynamo_store.claims.claim("Ev3", T0)
    item = dynamo_store.table.get("EVENT#Ev3", "EVENT")
    assert item["expires_at"] == int((T0 + timedelta(days=1)).timestamp())


# ------------------------------------------------------------------------------------------------ monitoring sources
def arrival(key: str = "checkout-latency", status: ExternalStatus = ExternalStatus.FIRING, minutes: float = 0,
            **fields) -> Arrival:
    event = ExternalEvent("generic", key, status, f"{key} is wrong")
    at = T0 + timedelta(minutes=minutes)
    if event.is_resolved:
        return Arrival(event, at)
    draft = Alert(id="", origin=ExternalOrigin("generic", key, host="api-3", severity=Severity.MAJOR,
                                               labels={"team": "payments"}, occurred_at=at),
                  text=f"{key} is wrong", label="[Major]", target_channel="C0INCIDENT", fingerprint="f",
                  first_seen=at, **fields)
    return Arrival(event, at, draft)


def changes(store, *arrivals: Arrival) -> list[Change]:
    return [applied.change for applied in store.alerts.apply_external(list(arrivals), WINDOW, T0)]


def test_a_source_event_raises_an_alert_as_drafted(store):
    (applied,) = store.alerts.apply_external([arrival()], WINDOW, T0)
    assert applied.change is Change.NEW
    assert store.alerts.get(applied.alert.id) == applied.alert == arrival().alert(applied.alert.id)
    assert store.alerts.unacknowledged("C0INCIDENT", T0).alerts == (applied.alert,)


def test_a_key_is_forgotten_90_days_after_klaxon_last_heard_of_it_not_after_the_sources_own_time(dynamo_store):
    # Alertmanager resends an alert firing for months with its first startsAt: 91 days old by now
    started = T0 - timedelta(days=91)
    state = ("SOURCE#generic#" + key_hash("checkout-latency"), "STATE")
    for now in (T0, T0 + timedelta(days=30)):
        resend = arrival(minutes=-91 * 24 * 60)
        (applied,) = dynamo_store.alerts.apply_external([resend], WINDOW, now)
        assert applied.change is (Change.NEW if now == T0 else Change.REPEAT)
        assert dynamo_store.table.get(*state)["expires_at"] == int((now + timedelta(days=90)).timestamp()), (
            "counted from when Klaxon heard it, not from the source's time (already expired then)")
    assert resend.at == started


def test_a_source_keys_events_apply_in_order_once_each(store):
    assert changes(store, arrival(minutes=0), arrival(minutes=1), arrival(minutes=0.5)) == [
        Change.NEW, Change.REPEAT, Change.STALE]
    assert changes(store, arrival(status=ExternalStatus.RESOLVED, minutes=2),
                   arrival(status=ExternalStatus.RESOLVED, minutes=3)) == [Change.RESOLVE, Change.ALREADY_RESOLVED]
    (alert,) = store.alerts.apply_external([arrival(minutes=4)], WINDOW, T0)
    assert alert.change is Change.REOPEN and alert.alert.count == 3 and alert.alert.state is AlertState.OPEN
    assert alert.alert.origin.occurred_at == T0 + timedelta(minutes=4)
    assert store.alerts.unacknowledged("C0INCIDENT", T0).alerts == (alert.alert,), \
        "back among what nobody acknowledged"


def test_a_resolve_by_the_source_is_recorded_as_its_resolver(store):
    store.alerts.apply_external([arrival()], WINDOW, T0)
    (resolved,) = store.alerts.apply_external([arrival(status=ExternalStatus.RESOLVED, minutes=2)], WINDOW, T0)
    assert (resolved.alert.resolved_by, resolved.alert.resolved_at) == ("webhook:generic", T0 + timedelta(minutes=2))
    assert store.alerts.recently_handled("C0INCIDENT", T0).alerts == (resolved.alert,)
    assert store.alerts.unacknowledged("C0INCIDENT", T0).alerts == ()


def test_a_reopened_alert_someone_had_acknowledged_stays_acknowledged(store):
    (new,) = store.alerts.apply_external([arrival()], WINDOW, T0)
    store.alerts.add_mark(new.alert.id, HandledMark("U0ALICE", "button", T0 + timedelta(minutes=1)))
    changes(store, arrival(status=ExternalStatus.RESOLVED, minutes=2))
    (reopened,) = store.alerts.apply_external([arrival(minutes=3)], WINDOW, T0)
    assert reopened.alert.state is AlertState.ACKNOWLEDGED
    assert store.alerts.unacknowledged("C0INCIDENT", T0 + WINDOW).alerts == ()


def test_a_resolve_for_an_unknown_key_is_kept_and_a_late_firing_is_then_stale(store):
    assert changes(store, arrival(status=ExternalStatus.RESOLVED, minutes=5), arrival(minutes=4),
                   arrival(minutes=6)) == [Change.KEPT, Change.STALE, Change.NEW]


def test_a_firing_long_after_the_resolve_is_the_keys_next_alert(store):
    (first,) = store.alerts.apply_external([arrival()], WINDOW, T0)
    changes(store, arrival(status=ExternalStatus.RESOLVED, minutes=1))
    (second,) = store.alerts.apply_external([arrival(minutes=20)], WINDOW, T0)
    assert second.change is Change.NEW and second.alert.id.endswith(":2") and first.alert.id.endswith(":1")
    assert store.alerts.get(first.alert.id).state is AlertState.RESOLVED


def test_a_person_resolving_it_counts_like_the_source_did(store):
    (new,) = store.alerts.apply_external([arrival()], WINDOW, T0)
    store.alerts.resolve(new.alert.id, "U0ALICE", T0 + timedelta(minutes=2))
    assert changes(store, arrival(minutes=1)) == [Change.STALE], "fired before she resolved it"
    assert changes(store, arrival(minutes=3)) == [Change.REOPEN]


def test_a_new_alert_is_leased_to_its_raiser_for_posting(store):
    (new,) = store.alerts.apply_external([arrival()], WINDOW, T0)
    assert not store.alerts.claim_posting(new.alert.id, T0 + timedelta(minutes=2) - timedelta(microseconds=1)), \
        "its raiser may be posting it"
    assert store.alerts.claim_posting(new.alert.id, T0 + timedelta(minutes=2)), "it died: another delivery posts"
    assert not store.alerts.claim_posting(new.alert.id, T0 + timedelta(minutes=3)), "the new poster's lease holds"
    store.alerts.record_post(new.alert, "1800000001.000200")
    assert not store.alerts.claim_posting(new.alert.id, T0 + timedelta(hours=1)), "posted: nothing to take over"
    assert not store.alerts.claim_posting("generic:none:1", T0)


def test_a_failed_post_lets_its_lease_go_at_once_and_is_due_again_when_asked(store):
    (new,) = store.alerts.apply_external([arrival()], WINDOW, T0)
    store.alerts.release_posting(new.alert.id, retry_at=T0 + timedelta(seconds=30))
    assert store.alerts.unposted(T0 + timedelta(seconds=29)) == []
    assert [a.id for a in store.alerts.unposted(T0 + timedelta(seconds=30))] == [new.alert.id]
    assert store.alerts.claim_posting(new.alert.id, T0 + timedelta(seconds=1)), "nobody holds it: anyone may post"
    store.alerts.record_post(new.alert, "1800000001.000200")
    store.alerts.release_posting(new.alert.id, retry_at=T0)  # a late failure of a post that was made after all
    assert store.alerts.unposted(T0 + timedelta(hours=1)) == [] and store.alerts.get(new.alert.id).is_posted


def test_a_big_batch_is_written_in_shared_transactions_with_the_same_outcome(store):
    keys = [f"disk-{n}" for n in range(120)]
    applied = store.alerts.apply_external([arrival(key) for key in keys] + [arrival("disk-7", minutes=1)], WINDOW, T0)
    assert [a.change for a in applied] == [Change.NEW] * 120 + [Change.REPEAT]
    assert len({a.alert.id for a in applied}) == 120 and drawn(store, applied[-1].alert.id).count == 2
    if isinstance(store, DynamoStore):
        writes = store.table.writes
        # Three items a new alert (its key's state, itself, the marker of a post still owed), 99 a transaction;
        # the repeat one update of its key's state, in no transaction; then the redraw drawn above, and its
        # trailing redraw.
        assert writes.by_kind == {"transact": 120 * 3, "update": 1 + 1, "put": 1} and writes.requests == 4 + 3


def test_racing_deliveries_of_one_key_raise_one_alert_and_count_the_rest(racing_store):
    def deliver(n: int) -> Change:
        (applied,) = racing_store.alerts.apply_external([arrival(minutes=n)], WINDOW, T0)
        return applied.change

    outcomes = at_once(deliver, range(5))
    assert outcomes.count(Change.NEW) == 1 and outcomes.count(Change.REPEAT) + outcomes.count(Change.STALE) == 4
    (alert,) = [racing_store.alerts.get(external_alert_id("generic", "checkout-latency", 1))]
    assert drawn(racing_store, alert.id).count == 1 + outcomes.count(Change.REPEAT)


def test_an_unposted_alert_is_found_once_its_lease_runs_out_and_not_once_posted(store):
    first, second, quiet = store.alerts.apply_external(
        [arrival("a"), arrival("b"), arrival("c", silenced_by="s-1")], WINDOW, T0)
    assert store.alerts.unposted(T0 + timedelta(minutes=1)) == []
    store.alerts.record_post(first.alert, "1800000001.000200")
    assert [a.id for a in store.alerts.unposted(T0 + timedelta(minutes=3))] == [second.alert.id], \
        "posted and silenced alerts are not listed"


# ------------------------------------------------------------------------------------------------ silenced alerts
def test_a_silenced_alert_is_listed_only_as_silenced_whatever_its_source_does(store):
    (quiet,) = store.alerts.apply_external([arrival(silenced_by="s-1")], WINDOW, T0)
    changes(store, arrival(status=ExternalStatus.RESOLVED, minutes=1), arrival(minutes=2, silenced_by="s-1"))
    assert store.alerts.unacknowledged("C0INCIDENT", T0 + WINDOW).alerts == ()
    assert store.alerts.recently_handled("C0INCIDENT", T0).alerts == ()
    (listed,) = store.alerts.silenced(T0)
    assert listed.id == quiet.alert.id and listed.count == 2 and listed.state is AlertState.OPEN
    assert store.alerts.silenced(T0 + timedelta(minutes=1)) == [], "first seen before then"


def test_a_key_whose_alert_was_silenced_raises_a_new_one_once_no_silence_covers_it(store):
    (quiet,) = store.alerts.apply_external([arrival(silenced_by="s-1")], WINDOW, T0)
    assert changes(store, arrival(minutes=1, silenced_by="s-1")) == [Change.REPEAT]
    (loud,) = store.alerts.apply_external([arrival(minutes=2)], WINDOW, T0)
    assert loud.change is Change.NEW and loud.alert.id.endswith(":2") and loud.alert.silenced_by is None
    assert changes(store, arrival(minutes=3, silenced_by="s-2")) == [Change.REPEAT], "a posted alert keeps counting"
    assert drawn(store, quiet.alert.id).count == 2


def test_an_alert_listed_before_lists_were_per_channel_is_relisted_into_its_channels(dynamo_store):
    waiting, handled = alert(), alert(ts="1800000001.000100", fingerprint="fp-2",
                                      marks=(HandledMark("U0ALICE", "button", T0),))
    for old, kind in ((waiting, "unacked"), (handled, "handled")):  # as stored before
        item = {"pk": f"ALERT#{old.id}", "sk": "ALERT", **alert_item(old), "due_kind": kind}
        del item["listed_handled"]
        dynamo_store.table.put_many([item])
    assert dynamo_store.alerts.unacknowledged("C0INCIDENT", T0).alerts == ()

    assert {a.id for a in dynamo_store.alerts.relist(100)} == {waiting.id, handled.id}

    assert dynamo_store.alerts.unacknowledged("C0INCIDENT", T0).alerts == (waiting,)
    assert [a.id for a in dynamo_store.alerts.recently_handled("C0INCIDENT", T0).alerts] == [handled.id]
    assert dynamo_store.alerts.relist(100) == [], "moved once"
