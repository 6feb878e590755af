"""The sweep on in-memory fakes and a hand-driven clock: reconcile, digests and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.digests import reminder_slots
from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.handling import acknowledge
from klaxon.alerts.intake import take_external
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.configuration.model import Configuration, Preferences
from klaxon.rules import Rule
from klaxon.sweep import SweepContext, SweepFailed, sweep
from tests.fakes import FakeDirectory, take, wired

ALERTS, INCIDENTS, OPS = "C0ALERTS", "C0INCIDENT", "C0OPS"


def config(**preferences) -> Configuration:
    rules = (Rule.create(pattern="disk", target_channel=INCIDENTS), Rule.create(pattern="cpu", target_channel=OPS))
    return Configuration(version=1, rules=rules, preferences=Preferences(**preferences))


def raise_alert(store, slack, clock, text, ts, cfg=None):
    take(ChannelMessage(ALERTS, ts, "B0DATADOG", text), config=cfg or config(),
         me=Identity("U0K", "B0K", None), store=store, slack=slack, now=clock.now())
    return store.alerts.find_by_message(ALERTS, ts)


def run(store, slack, clock, **preferences):
    cfg = config(**preferences)
    return sweep(SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=cfg, now=clock.now(),
                              publish=wired(store, slack, clock, cfg).publish))


def ack(store, slack, clock, alert):
    return acknowledge(alert.id, "U0ALICE", clock.now(), store=store, slack=slack,
                       publish=wired(store, slack, clock).publish)


def test_alerts_unacknowledged_past_the_threshold_get_one_digest_per_channel(store, slack, clock):
    raise_alert(store, slack, clock, "disk full on db-1", "1.1")
    raise_alert(store, slack, clock, "cpu high on web-1", "1.2")
    clock.advance(minutes=10)
    raise_alert(store, slack, clock, "disk full on db-9", "1.3")  # too fresh to list yet
    clock.advance(minutes=6)

    report = run(store, slack, clock, digest_after_seconds=900)

    assert report.done["digests"] == 2
    by_channel = {d.channel: d for d in slack.digests}
    assert [a.text for a in by_channel[INCIDENTS].unacknowledged] == ["disk full on db-1"]
    assert [a.text for a in by_channel[OPS].unacknowledged] == ["cpu high on web-1"]


def test_an_unchanged_digest_is_not_redrawn_and_a_changed_one_is_updated_in_place(store, slack, clock):
    first = raise_alert(store, slack, clock, "disk full", "1.1")
    clock.advance(minutes=20)
    run(store, slack, clock)
    run(store, slack, clock)
    assert len(slack.digests) == 1

    ack(store, slack, clock, first)
    run(store, slack, clock)

    assert len(slack.digests) == 2 and slack.digests[-1].unacknowledged == ()
    assert ("update_digest", "1800000100.000001") in slack.calls, "the same message, redrawn"


def test_verbose_digests_list_who_handled_what(store, slack, clock):
    first = raise_alert(store, slack, clock, "disk full", "1.1")
    raise_alert(store, slack, clock, "disk 99%", "1.2")
    clock.advance(minutes=20)
    ack(store, slack, clock, first)

    run(store, slack, clock, verbose_digest=True)

    (digest,) = slack.digests
    assert [a.text for a in digest.handled] == ["disk full"] and len(digest.unacknowledged) == 1


def test_the_reconcile_repairs_a_missed_reaction_within_its_budget(store, slack, clock):
    alerts = [raise_alert(store, slack, clock, f"disk {n}", f"1.{n}") for n in range(4)]
    clock.advance(minutes=20)
    for alert in alerts:  # handled in Slack, but the reaction events never arrived
        slack.reactions_on(alert.target_channel, alert.post_ts, {"white_check_mark": ["U0ALICE"]})

    report = run(store, slack, clock, reconcile_limit=4)

    assert len([c for c in slack.calls if c[0] == "reactions.get"]) == 4, "two messages per alert, budget 4"
    assert report.done["reconciled"] == 2, "the two newest stay in the digest"
    assert {a.text for a in slack.digests[-1].unacknowledged} == {"disk 2", "disk 3"}
    assert store.alerts.get(alerts[0].id).acknowledged_by.user == "U0ALICE"


def test_the_reconcile_stops_when_slack_rate_limits_it_and_the_digest_still_goes_out(store, slack, clock):
    raise_alert(store, slack, clock, "disk full", "1.1")
    clock.advance(minutes=20)
    slack.busy = True
    report = run(store, slack, clock)
    assert report.done["digests"] == 1 and not report.failed


def test_a_failing_step_does_not_stop_the_others_and_the_sweep_reports_it(store, slack, clock):
    raise_alert(store, slack, clock, "disk full", "1.1")
    clock.advance(minutes=20)

    def broken(digest):
        raise ConnectionError("slack is down")

    slack.post_digest = broken
    with pytest.raises(SweepFailed, match="digests"):
        run(store, slack, clock, reminder_channel="C0REMIND", reminder_hours=("09:20",))
    assert len(slack.reminders) == 1, "the reminder step still ran"


def test_a_failing_read_of_what_nobody_acknowledged_skips_only_the_steps_that_need_it(store, slack, clock):
    raise_alert(store, slack, clock, "disk full", "1.1")
    clock.advance(minutes=20)

    def unreadable(seen_before, limit=None):
        raise ConnectionError("DynamoDB throttled the query")

    store.alerts.unacknowledged = unreadable
    with pytest.raises(SweepFailed, match="unacknowledged") as failed:
        run(store, slack, clock, reminder_channel="C0REMIND", reminder_hours=("09:20",))

    assert "pages_started" in str(failed.value) and "pages_advanced" in str(failed.value), "escalations still ran"
    assert slack.digests == [], "no digest claims that nothing is overdue"
    assert not [c for c in slack.calls if c[0] == "reactions.get"], "nor a reconcile"


def test_the_reconcile_leaves_alerts_from_monitoring_sources_alone(store, slack, clock):
    take_external([ExternalEvent("generic", "disk-db-1", ExternalStatus.FIRING, "disk full on db-1")],
                  wired(store, slack, clock, config()).intake(Identity("U0K", "B0K", INCIDENTS)))
    message_alert = raise_alert(store, slack, clock, "disk full", "1.1")
    clock.advance(minutes=20)

    report = run(store, slack, clock)

    looked_at = [c[1] for c in slack.calls if c[0] == "reactions.get"]
    assert looked_at == [(ALERTS, "1.1"), (INCIDENTS, message_alert.post_ts)], "the message alert's two messages only"
    assert report.done["digests"] == 1 and len(slack.digests[-1].unacknowledged) == 2, "both are still listed"


def test_reminders_go_out_once_per_hour_slot_in_the_reminder_time_zone(store, slack, clock):
    raise_alert(store, slack, clock, "disk full", "1.1")
    tokyo = {"reminder_channel": "C0REMIND", "reminder_hours": ("18:00",), "reminder_zone": "Asia/Tokyo"}
    clock.moment = datetime(2026, 11, 24, 8, 59, tzinfo=UTC)  # 17:59 in Tokyo
    run(store, slack, clock, **tokyo)
    assert slack.reminders == []

    clock.moment = datetime(2026, 11, 24, 9, 0, 30, tzinfo=UTC)  # 18:00:30 in Tokyo
    run(store, slack, clock, **tokyo)
    clock.advance(minutes=1)
    run(store, slack, clock, **tokyo)

    (reminder,) = slack.reminders
    assert reminder[0] == "C0REMIND" and [a.text for a in reminder[1].alerts] == ["disk full"]


def test_a_late_sweep_still_sends_the_reminder_but_not_after_the_grace_period():
    prefs = Preferences(reminder_channel="C0R", reminder_hours=("09:00",), reminder_zone="Europe/London")
    nine = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # GMT in November
    assert reminder_slots(prefs, nine + timedelta(minutes=9)) == [nine]
    assert reminder_slots(prefs, nine + timedelta(minutes=10)) == []
    assert reminder_slots(prefs, nine - timedelta(seconds=1)) == []


def test_reminder_hours_follow_daylight_saving_time():
    prefs = Preferences(reminder_channel="C0R", reminder_hours=("09:00",), reminder_zone="America/New_York")
    summer, winter = datetime(2026, 7, 1, 13, 0, tzinfo=UTC), datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert reminder_slots(prefs, summer) == [summer] and reminder_slots(prefs, winter) == [winter]


def test_a_reminder_hour_skipped_by_spring_forward_still_happens_that_morning():
    prefs = Preferences(reminder_channel="C0R", reminder_hours=("02:30",), reminder_zone="America/New_York")
    # 2026-03-08: clocks go from 02:00 to 03:00 in New York; 02:30 does not exist on the wall.
    slots = reminder_slots(prefs, datetime(2026, 3, 8, 7, 35, tzinfo=UTC))
    assert len(slots) == 1 and slots[0].date().isoformat() == "2026-03-08"
