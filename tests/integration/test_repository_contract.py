"""One contract per repository, held by the in-memory fake the unit tests use and by DynamoDB (moto) alike:
pages, digests, the message index, the configuration and event claims. (Alerts, with the monitoring
sources' lifecycle, have theirs in test_dynamo_alerts.py.) A fake that drifted from DynamoDB would let a
unit test pass that production fails; these keep them the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.digests import DigestPost
from klaxon.alerts.model import Alert, SlackMessageOrigin
from klaxon.alerts.ports import MessageReferents
from klaxon.configuration.model import AuditEntry, Configuration, ConfigurationConflict, Preferences
from klaxon.monitoring.hosts import Host, HostChange
from klaxon.paging.policies import EscalationPolicy, Level, Notification, Page, PageState, mention_page_id
from klaxon.rules import ChannelDefault, Rule
from klaxon.silences.matchers import parse_matchers
from klaxon.silences.model import Silence
from tests.fakes import InMemoryStore
from tests.integration.conftest import at_once

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
POLICY = EscalationPolicy("db", levels=(Level(("U0ALICE",), 60), Level(("U0BOB",), 120)))
LATER = T0 + timedelta(hours=1)  # when every step, end and timer here has come due


@pytest.fixture(params=["memory", "dynamo"])
def store(request):
    return InMemoryStore() if request.param == "memory" else request.getfixturevalue("dynamo_store")


def page(page_id: str = "mention/C0OPS/1800000000.000100", at: datetime = T0, **fields) -> Page:
    return Page(id=page_id, summary="db-1 is down", channel="C0OPS", ts="1800000000.000100", policy=POLICY,
                started_at=at, next_at=at, **fields)


def alert(ts: str = "1800000000.000100", **fields) -> Alert:
    return Alert(id=f"C0ALERTS/{ts}", origin=SlackMessageOrigin("C0ALERTS", ts, "B0DATADOG"), text="disk full",
                 label="", target_channel="C0INCIDENT", fingerprint=f"fp-{ts}", first_seen=T0, **fields)


# ------------------------------------------------------------------------------------------------ pages
def test_a_page_starts_once_and_reads_back_as_stored(store):
    assert store.pages.start(page()) is True
    assert store.pages.start(page()) is False
    assert store.pages.get(page().id) == page()
    assert store.pages.get("mention/C0OPS/0.0") is None


def test_a_step_is_claimed_once_then_finished(store):
    store.pages.start(page())
    claimed = page().after_notifying(0, T0)
    first = store.pages.claim_step(page(), claimed, T0)
    assert first is not None and (first.step, first.sending) == (1, 0)
    assert store.pages.claim_step(page(), claimed, T0) is None, "a second sweep at the same step gets nothing"
    assert store.pages.finish_step(first.told(T0), 1) is None, "only the step being sent is finished"
    finished = store.pages.finish_step(first.told(T0), 0)
    assert finished.sending is None and finished.step == 1


def test_what_is_due_is_each_active_page_whose_next_step_has_come(store):
    store.pages.start(page("mention/C0OPS/1.0", T0))
    store.pages.start(page("mention/C0OPS/2.0", T0 + timedelta(minutes=5)))
    store.pages.start(page("mention/C0OPS/3.0", T0 + timedelta(minutes=1)))
    store.pages.acknowledge("mention/C0OPS/3.0", "U0ALICE", T0)

    assert [p.id for p in store.pages.due(T0 + timedelta(minutes=2))] == ["mention/C0OPS/1.0"]
    assert [p.id for p in store.pages.due(T0 + timedelta(minutes=5))] == ["mention/C0OPS/1.0", "mention/C0OPS/2.0"]
    assert len(store.pages.due(T0 + timedelta(minutes=5), limit=1)) == 1


def test_notifications_are_kept_for_the_acknowledgement_to_update(store):
    store.pages.start(page())
    store.pages.record_notification(page().id, Notification(0, "U0ALICE", "D0ALICE", "1.1"))
    store.pages.record_notification(page().id, Notification(1, "U0BOB", "D0BOB", "2.2"))
    assert store.pages.get(page().id).notifications == (Notification(0, "U0ALICE", "D0ALICE", "1.1"),
                                                        Notification(1, "U0BOB", "D0BOB", "2.2"))


def test_an_acknowledgement_stops_an_active_page_once(store):
    store.pages.start(page())
    acked = store.pages.acknowledge(page().id, "U0BOB", T0 + timedelta(seconds=90))
    assert (acked.state, acked.acknowledged_by, acked.acknowledged_at) == (
        PageState.ACKNOWLEDGED, "U0BOB", T0 + timedelta(seconds=90))
    assert store.pages.acknowledge(page().id, "U0ALICE", T0) is None
    assert store.pages.due(T0 + timedelta(days=1)) == [], "a stopped page is never due again"
    assert store.pages.acknowledge("mention/C0OPS/9.9", "U0BOB", T0) is None


def test_a_spent_page_is_exhausted_once_and_only_at_its_step(store):
    spent = replace(page(), step=2, next_at=T0)
    store.pages.start(spent)
    assert store.pages.exhaust(replace(spent, step=1), LATER) is None
    assert store.pages.exhaust(spent, LATER).state is PageState.EXHAUSTED
    assert store.pages.exhaust(spent, LATER) is None


def test_ack_timers_come_due_and_are_cleared_once(store):
    store.alerts.raise_alert(alert("1.0", escalate_at=T0 + timedelta(minutes=5)), T0 + timedelta(minutes=10), T0)
    store.alerts.raise_alert(alert("2.0", escalate_at=T0 + timedelta(minutes=1)), T0 + timedelta(minutes=10), T0)
    store.alerts.raise_alert(alert("3.0"), T0 + timedelta(minutes=10), T0)

    assert store.pages.due_timeouts(T0 + timedelta(minutes=2)) == ["C0ALERTS/2.0"]
    assert store.pages.due_timeouts(T0 + timedelta(minutes=6)) == ["C0ALERTS/2.0", "C0ALERTS/1.0"]
    assert store.pages.clear_timeout("C0ALERTS/2.0", LATER) is True
    assert store.pages.clear_timeout("C0ALERTS/2.0", LATER) is False
    assert store.pages.due_timeouts(T0 + timedelta(minutes=6)) == ["C0ALERTS/1.0"]


# ------------------------------------------------------------------------------------------------ the message index
def test_a_message_is_the_alert_it_raised_or_shows_the_page_it_started_or_nothing(store):
    raised = store.alerts.raise_alert(alert(), T0 + timedelta(minutes=10), T0).alert
    store.alerts.record_post(raised, "1800000001.000200")
    store.pages.start(page(mention_page_id("C0OPS", "1800000005.000100")))

    assert store.messages.lookup("C0ALERTS", "1800000000.000100") == MessageReferents(alert_id=raised.id)
    assert store.messages.lookup("C0INCIDENT", "1800000001.000200") == MessageReferents(alert_id=raised.id)
    assert store.messages.lookup("C0OPS", "1800000005.000100") == MessageReferents(
        page_id=mention_page_id("C0OPS", "1800000005.000100"))
    assert store.messages.lookup("C0OPS", "1700000000.000001") == MessageReferents()


# ------------------------------------------------------------------------------------------------ digests
def test_a_channels_digest_is_drawn_by_one_sweep_at_a_time(store):
    locked = store.digests.lock("C0INCIDENT", T0)
    assert locked == DigestPost("C0INCIDENT", None, None)
    assert store.digests.lock("C0INCIDENT", T0 + timedelta(seconds=5)) is None, "an overlapping sweep skips it"

    store.digests.release(DigestPost("C0INCIDENT", "1800000100.000001", "f1"))

    assert store.digests.all() == {"C0INCIDENT": DigestPost("C0INCIDENT", "1800000100.000001", "f1")}
    assert store.digests.lock("C0INCIDENT", T0 + timedelta(seconds=6)) == DigestPost(
        "C0INCIDENT", "1800000100.000001", "f1")


def test_a_lock_a_dead_sweep_left_is_taken_over_after_a_minute(store):
    assert store.digests.lock("C0OPS", T0) is not None
    assert store.digests.lock("C0OPS", T0 + timedelta(seconds=59)) is None
    assert store.digests.lock("C0OPS", T0 + timedelta(seconds=61)) is not None


# ------------------------------------------------------------------------------------------------ configuration
def entry(summary: str, at: datetime = T0) -> AuditEntry:
    return AuditEntry(actor="U0ADMIN", at=at, action="test", summary=summary, before={"a": 1}, after={"a": 2})


def test_an_edit_commits_only_on_the_version_it_read(store):
    config = store.configuration
    base = config.load()
    assert base.version == 0 and config.stamp() == base.stamp
    rule = Rule.create(pattern="disk", target_channel="C0INCIDENT")
    committed = config.commit(base, replace(base.with_rules((rule,)), preferences=Preferences(verbose_digest=True),
                                            channel_defaults={"C0ALERTS": ChannelDefault.ACK}), entry("first"))

    loaded = config.load()
    assert committed.version == loaded.version == 1 and config.stamp() == loaded.stamp != base.stamp
    assert loaded.rules == (rule,) and loaded.preferences.verbose_digest
    assert loaded.channel_defaults == {"C0ALERTS": ChannelDefault.ACK}
    with pytest.raises(ConfigurationConflict):
        config.commit(base, base.with_rules(()), entry("stale"))
    assert config.load().rules == (rule,)


def test_the_audit_trail_is_newest_first(store):
    config = store.configuration
    for n in range(3):
        base = config.load()
        config.commit(base, base.with_preferences(Preferences(reconcile_limit=n + 1)),
                      entry(f"edit {n}", T0 + timedelta(seconds=n)))
    assert [e.summary for e in config.audit_trail(2)] == ["edit 2", "edit 1"]
    assert config.audit_trail(10)[0].before == {"a": 1}


def test_policies_and_their_use_load_back(store):
    config = store.configuration
    base = config.load()
    config.commit(base, base.with_policy(POLICY).with_policy_use("db", "C0OPS").with_policy_use("db", None),
                  entry("policies"))
    loaded = config.load()
    assert loaded.policies == {"db": POLICY} and loaded.channel_policies == {"C0OPS": "db"}
    assert loaded.default_policy == "db" and loaded.policy_for("C0ELSE") == POLICY
    assert loaded != Configuration()


# ------------------------------------------------------------------------------------------------ claims
def test_a_claim_lets_one_worker_through_until_it_completes_or_releases(store):
    claims = store.claims
    assert claims.claim("Ev1", T0) is True
    assert claims.claim("Ev1", T0) is False
    claims.release("Ev1")
    assert claims.claim("Ev1", T0) is True
    claims.complete("Ev1", T0)
    assert claims.claim("Ev1", T0 + timedelta(hours=1)) is False


def test_a_claim_a_dead_worker_left_is_taken_over_after_its_lease(store):
    assert store.claims.claim("Ev2", T0)
    assert not store.claims.claim("Ev2", T0 + timedelta(seconds=30))
    assert store.claims.claim("Ev2", T0 + timedelta(minutes=3))


# ------------------------------------------------------------------------------------------------ silences
def test_a_silence_is_stored_with_its_audit_entry_and_read_back_as_stored(store):
    quiet = Silence.create(parse_matchers('host=db-7, text=~"disk \\"full\\""'), now=T0, lasting=timedelta(hours=2),
                           by="U0ADMIN", comment="swap")
    store.silences.add(quiet, AuditEntry("U0ADMIN", T0, "silence add", "silenced"))
    assert store.silences.all() == [quiet] and store.silences.get(quiet.id) == quiet
    assert store.silences.get("s-000000") is None
    assert [entry.action for entry in store.configuration.audit_trail(5)] == ["silence add"]


def test_a_silence_ends_once_and_is_forgotten_a_day_after_it_ended(store):
    quiet = Silence.create(parse_matchers("host=db-7"), now=T0, lasting=timedelta(hours=2), by="U0ADMIN")
    store.silences.add(quiet, AuditEntry("U0ADMIN", T0, "silence add", "silenced"))
    ended = quiet.expired("U0BOB", T0 + timedelta(minutes=5))
    later = T0 + timedelta(minutes=5)
    assert store.silences.end(ended, AuditEntry("U0BOB", later, "silence expire", "expired")) is True
    assert store.silences.end(ended, AuditEntry("U0BOB", later, "silence expire", "again")) is False
    assert store.silences.get(quiet.id) == ended
    assert [entry.summary for entry in store.configuration.audit_trail(5)] == ["expired", "silenced"]
    if not isinstance(store, InMemoryStore):
        item = store.table.get("SILENCE", quiet.id)
        assert item["expires_at"] == int((T0 + timedelta(minutes=5, days=1)).timestamp())


def test_a_silence_that_ran_out_cannot_be_ended(store):
    quiet = Silence.create(parse_matchers("host=db-7"), now=T0, lasting=timedelta(hours=1), by="U0ADMIN")
    store.silences.add(quiet, AuditEntry("U0ADMIN", T0, "silence add", "silenced"))
    late = replace(quiet, ends_at=T0 + timedelta(hours=2), expired_by="U0BOB")
    assert store.silences.end(late, AuditEntry("U0BOB", T0, "silence expire", "late")) is False
    assert store.silences.get(quiet.id) == quiet


# ------------------------------------------------------------------------------------------------ hosts and boards
def test_hosts_are_changed_in_order_and_listed_by_name(store):
    store.hosts.record([HostChange("web-1", "gcp:a", True, T0, "down"), HostChange("db-7", "gcp:b", True, T0),
                        HostChange("web-1", "gcp:a", False, T0 + timedelta(minutes=1))])
    web, db = Host("web-1", since=T0 + timedelta(minutes=1), last_change=T0 + timedelta(minutes=1),
                   latest_title="down"), Host("db-7", since=T0, last_change=T0, firing=("gcp:b",))
    assert store.hosts.all() == [db, web]
    store.hosts.record([HostChange("db-7", "am:c", True, T0 + timedelta(minutes=2), "disk full")])
    assert store.hosts.all()[0].firing == ("gcp:b", "am:c") and store.hosts.all()[0].since == T0
    if not isinstance(store, InMemoryStore):
        assert store.table.get("HOST", "db-7")["expires_at"] == int((T0 + timedelta(days=90, minutes=2)).timestamp())


def test_a_board_post_remembers_when_it_was_drawn(store):
    store.boards.lock("C0HOSTS", T0)
    store.boards.release(DigestPost("C0HOSTS", "1800000400.000001", "f1", drawn_at=T0))
    assert store.boards.all() == {"C0HOSTS": DigestPost("C0HOSTS", "1800000400.000001", "f1", drawn_at=T0)}
    assert store.digests.all() == {}, "boards and digests are kept apart"


def test_a_board_is_locked_for_drawing_only_once_it_is_due_again_to_the_microsecond(store):
    drawn = T0 + timedelta(microseconds=250_000)
    store.boards.lock("C0HOSTS", drawn)
    store.boards.release(DigestPost("C0HOSTS", "1800000400.000001", "f1", drawn_at=drawn))
    every = timedelta(minutes=5)
    later = drawn + every
    assert store.boards.lock("C0HOSTS", later - timedelta(microseconds=1), drawn_before=later - every -
                             timedelta(microseconds=1)) is None, "drawn since it was last due"
    assert store.boards.lock("C0HOSTS", later, drawn_before=later - every) is not None


def test_racing_requests_about_one_host_lose_no_change(racing_store):
    at_once(lambda n: racing_store.hosts.record([HostChange("db-7", f"gcp:{n}", True, T0 + timedelta(seconds=n))]),
            range(5))
    (host,) = racing_store.hosts.all()
    assert sorted(host.firing) == [f"gcp:{n}" for n in range(5)]


def test_a_request_about_many_hosts_is_written_in_shared_transactions(dynamo_store):
    dynamo_store.hosts.record([HostChange(f"host-{n}", "gcp:a", n % 2 == 0, T0) for n in range(150)])
    assert len(dynamo_store.hosts.all()) == 150
    assert dynamo_store.table.writes.by_kind == {"transact": 150} and dynamo_store.table.writes.requests == 2
