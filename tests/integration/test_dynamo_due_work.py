"""The writes that take due work check its due time, to the microsecond, in DynamoDB (moto) and in the fake
alike: a worker holding a copy read too early (or listed by a lagging index) cannot act before the time. What
the sweep lists by time - overdue, handled and silenced alerts - is bounded to the microsecond too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.model import Alert, HandledMark, SlackMessageOrigin
from klaxon.paging.policies import EscalationPolicy, Level, Page, PageState
from tests.fakes import InMemoryStore

T0 = datetime(2026, 11, 24, 3, 0, 0, 250_000, tzinfo=UTC)  # a fraction of a second: no rounding hides in it
WAIT = timedelta(minutes=5)
JUST_BEFORE = timedelta(microseconds=1)
POLICY = EscalationPolicy("db", levels=(Level(("U0BOB",), 300), Level(("U0CAROL",), 300)))


@pytest.fixture(params=["memory", "dynamo"])
def store(request):
    return InMemoryStore() if request.param == "memory" else request.getfixturevalue("dynamo_store")


def started(store, policy=POLICY) -> Page:
    page = Page(id="mention/C0OPS/1800000000.000100", summary="db is down", channel="C0OPS",
                ts="1800000000.000100", policy=policy, started_at=T0, next_at=T0)
    assert store.pages.start(page)
    return page


def level_one_notified(store, policy=POLICY) -> Page:
    """The page once level 1 was claimed at T0 and its messages are out: level 2 is due at T0 + 5 min."""
    page = started(store, policy)
    claimed = store.pages.claim_step(page, page.after_notifying(0, T0), T0)
    return store.pages.finish_step(claimed.told(T0), 0)


def test_the_first_level_is_due_the_moment_the_page_starts(store):
    page = started(store)
    assert store.pages.claim_step(page, page.after_notifying(0, T0), T0).sending == 0


def test_the_next_level_cannot_be_claimed_a_microsecond_before_its_wait_runs_out(store):
    page = level_one_notified(store)
    due = T0 + WAIT

    assert store.pages.claim_step(page, page.after_notifying(1, due), due - JUST_BEFORE) is None
    assert store.pages.get(page.id).step == 1 and store.pages.get(page.id).sending is None
    claimed = store.pages.claim_step(page, page.after_notifying(1, due), due)
    assert claimed is not None and claimed.step == 2


def test_a_spent_page_cannot_end_before_its_last_wait_runs_out(store):
    page = level_one_notified(store, EscalationPolicy("solo", levels=(Level(("U0BOB",), 300),)))

    assert store.pages.exhaust(page, T0 + WAIT - JUST_BEFORE) is None
    assert store.pages.get(page.id).is_active
    assert store.pages.exhaust(page, T0 + WAIT).state is PageState.EXHAUSTED


def test_a_page_with_a_step_being_sent_cannot_be_claimed_or_ended(store):
    page = started(store)
    sending = store.pages.claim_step(page, page.after_notifying(0, T0), T0)
    later = T0 + timedelta(hours=1)
    assert store.pages.claim_step(sending, sending.after_notifying(1, later), later) is None
    assert store.pages.exhaust(sending, later) is None


def test_the_due_pages_are_those_whose_time_has_come(store):
    page = level_one_notified(store)
    assert store.pages.due(T0 + WAIT - JUST_BEFORE) == []
    assert [due.id for due in store.pages.due(T0 + WAIT)] == [page.id]


def test_an_ack_timer_is_taken_only_once_it_ran_out(store):
    alert = Alert(id="C0ALERTS/1.1", origin=SlackMessageOrigin("C0ALERTS", "1.1", "B0DATADOG"), text="disk 97%",
                  label="[Error]", target_channel="C0INCIDENT", fingerprint="fp", first_seen=T0, policy="db",
                  escalate_at=T0 + WAIT)
    store.alerts.raise_alert(alert, T0 + timedelta(minutes=10), T0)

    assert store.pages.due_timeouts(T0 + WAIT - JUST_BEFORE) == []
    assert store.pages.clear_timeout(alert.id, T0 + WAIT - JUST_BEFORE) is False
    assert store.pages.clear_timeout(alert.id, T0 + WAIT) is True
    assert store.pages.clear_timeout(alert.id, T0 + WAIT) is False, "taken once"


def test_an_alert_is_overdue_exactly_when_its_threshold_passes_and_not_once_acknowledged(store):
    alert = Alert(id="C0ALERTS/1.2", origin=SlackMessageOrigin("C0ALERTS", "1.2", "B0DATADOG"), text="disk full",
                  label="[Error]", target_channel="C0INCIDENT", fingerprint="fp2", first_seen=T0)
    store.alerts.raise_alert(alert, T0 + timedelta(minutes=10), T0)

    assert store.alerts.unacknowledged("C0INCIDENT", T0 - JUST_BEFORE).alerts == ()
    assert [a.id for a in store.alerts.unacknowledged("C0INCIDENT", T0).alerts] == [alert.id]
    store.alerts.add_mark(alert.id, HandledMark("U0ALICE", "button", T0 + WAIT))
    assert store.alerts.unacknowledged("C0INCIDENT", T0 + WAIT).alerts == ()
    assert [a.id for a in store.alerts.recently_handled("C0INCIDENT", T0 + WAIT).alerts] == [alert.id]
    assert store.alerts.recently_handled("C0INCIDENT", T0 + WAIT + JUST_BEFORE).alerts == ()


def test_a_sweep_with_an_older_view_never_draws_a_digest_over_a_newer_one(store):
    later = T0 + timedelta(seconds=1)
    drawing = store.digests.lock("C0INCIDENT", later)
    store.digests.release(replace(drawing, ts="1800000100.000001", fingerprint="newer"))

    assert store.digests.lock("C0INCIDENT", T0) is None, "a sweep that started earlier read the alerts earlier"
    assert store.digests.lock("C0INCIDENT", later) is not None, "a sweep of the same moment may draw"


def test_a_silenced_alert_is_counted_from_the_moment_it_was_first_seen(store):
    alert = Alert(id="C0ALERTS/1.3", origin=SlackMessageOrigin("C0ALERTS", "1.3", "B0DATADOG"), text="disk full",
                  label="[Error]", target_channel="C0INCIDENT", fingerprint="fp3", first_seen=T0, silenced_by="s-1")
    store.alerts.raise_alert(alert, T0 + timedelta(minutes=10), T0)

    assert [a.id for a in store.alerts.silenced(since=T0)] == [alert.id]
    assert store.alerts.silenced(since=T0 + JUST_BEFORE) == []
    assert store.alerts.unacknowledged("C0INCIDENT", T0 + WAIT).alerts == () and store.alerts.unposted(T0 + WAIT) == []
