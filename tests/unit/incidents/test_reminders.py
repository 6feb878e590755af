"""Incident reminders on a hand-moved clock: each bounded, cancelled by what it asks for."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.reminders import Reminder, ReminderKind, ReminderSettings, due, next_due

MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday, in working hours
SETTINGS = ReminderSettings()


def incident(**overrides: object) -> Incident:
    values: dict[str, object] = {"id": "inc-1", "summary": "checkout is down", "severity": None, "reporter": "U1",
                                 "lead": None, "declared_at": MONDAY}
    return Incident(**{**values, **overrides})  # type: ignore[arg-type]


def kinds(found: list[Reminder]) -> set[ReminderKind]:
    return {r.kind for r in found}


def run(subject: Incident, until: datetime, step: timedelta = timedelta(minutes=1)) -> list[Reminder]:
    """Sweep every `step` from the declaration until `until`, recording what is sent, as the sweep does."""
    return [reminder for _, reminder in run_timed(subject, until, step)]


def run_timed(subject: Incident, until: datetime,
              step: timedelta = timedelta(minutes=1)) -> list[tuple[datetime, Reminder]]:
    sent: dict[str, int] = {}
    posted: list[tuple[datetime, Reminder]] = []
    moment = subject.declared_at
    while moment <= until:
        for reminder in due(subject, SETTINGS, sent, moment):
            sent[reminder.slot] = reminder.nth
            posted.append((moment, reminder))
        moment += step
    return posted


def test_nothing_is_due_before_its_time() -> None:
    assert due(incident(), SETTINGS, {}, MONDAY + timedelta(minutes=4, seconds=59)) == []


def test_no_lead_and_no_severity_after_five_minutes_at_most_three_times() -> None:
    posted = run(incident(), MONDAY + timedelta(hours=1))
    no_lead = [r for r in posted if r.kind is ReminderKind.NO_LEAD]
    assert [r.nth for r in no_lead] == [1, 2, 3]
    assert len([r for r in posted if r.kind is ReminderKind.NO_SEVERITY]) == 3


def test_setting_a_lead_and_severity_cancels_their_reminders() -> None:
    settled = incident(lead="U2", lead_since=MONDAY, severity=Severity.MINOR)
    assert kinds(run(settled, MONDAY + timedelta(minutes=59))) == set()


def test_no_update_reminds_after_thirty_minutes_at_severity_one_or_two_and_two_hours_otherwise() -> None:
    severe = incident(lead="U2", lead_since=MONDAY, severity=Severity.CRITICAL)
    assert [r.kind for r in run(severe, MONDAY + timedelta(minutes=30))] == [ReminderKind.NO_UPDATE]
    mild = incident(lead="U2", lead_since=MONDAY, severity=Severity.MINOR)
    assert run(mild, MONDAY + timedelta(minutes=119)) == []
    assert [r.kind for r in run(mild, MONDAY + timedelta(hours=2))] == [ReminderKind.NO_UPDATE]


def test_an_update_starts_the_no_update_clock_again() -> None:
    severe = incident(lead="U2", lead_since=MONDAY, severity=Severity.CRITICAL)
    sent = {r.slot: r.nth for r in due(severe, SETTINGS, {}, MONDAY + timedelta(minutes=30))}
    updated = severe.updated(MONDAY + timedelta(minutes=31))
    assert due(updated, SETTINGS, sent, MONDAY + timedelta(minutes=40)) == []
    assert [r.nth for r in due(updated, SETTINGS, sent, MONDAY + timedelta(minutes=61))] == [1]


def test_a_lead_of_three_hours_is_asked_to_hand_over_and_a_new_lead_starts_afresh() -> None:
    led = incident(lead="U2", lead_since=MONDAY, severity=Severity.MINOR)
    breaks = [r for r in run(led, MONDAY + timedelta(hours=3)) if r.kind is ReminderKind.BREAK]
    assert len(breaks) == 1
    handed = led.with_lead("U3", MONDAY + timedelta(hours=3, minutes=5))
    assert not any(r.kind is ReminderKind.BREAK
                   for r in due(handed, SETTINGS, {breaks[0].slot: 1}, MONDAY + timedelta(hours=4)))


def test_the_close_reminder_comes_once_a_working_day_for_a_bounded_number_of_days() -> None:
    resolved = incident(lead="U2", lead_since=MONDAY, severity=Severity.MINOR).with_status(
        Status.RESOLVED, "U2", MONDAY + timedelta(hours=1))
    posted = [moment for moment, r in run_timed(resolved, MONDAY + timedelta(days=14), step=timedelta(minutes=30))
              if r.kind is ReminderKind.CLOSE]
    assert len(posted) == SETTINGS.max_close_reminders
    assert len({moment.date() for moment in posted}) == len(posted)  # one a day
    assert all(moment.weekday() < 5 and time(9) <= moment.time() < time(18) for moment in posted)
    assert posted[0] >= MONDAY + SETTINGS.close_after


def test_the_close_reminder_waits_for_working_hours() -> None:
    friday_evening = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
    declared_at = friday_evening - timedelta(days=2)
    old = incident(lead="U2", lead_since=declared_at, severity=Severity.MINOR, declared_at=declared_at)
    settings = ReminderSettings(working_hours=(time(9), time(18)))
    assert not any(r.kind is ReminderKind.CLOSE for r in due(old, settings, {}, friday_evening))
    spent = {f"{kind}@{declared_at.isoformat()}": 3 for kind in ("no_update", "break")}
    assert next_due(old, settings, spent, friday_evening) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday


def test_a_closed_incident_has_no_reminders() -> None:
    closed = incident(lead="U2", lead_since=MONDAY, severity=Severity.MINOR).with_status(
        Status.RESOLVED, "U2", MONDAY).with_status(Status.CLOSED, "U2", MONDAY)
    assert due(closed, SETTINGS, {}, MONDAY + timedelta(days=3)) == []
    assert next_due(closed, SETTINGS, {}, MONDAY) is None


def test_next_due_is_the_soonest_reminder_not_yet_spent() -> None:
    fresh = incident()
    assert next_due(fresh, SETTINGS, {}, MONDAY) == MONDAY + timedelta(minutes=5)
    spent = {f"{kind}@{MONDAY.isoformat()}": 3 for kind in ("no_lead", "no_severity")}
    assert next_due(fresh, SETTINGS, spent, MONDAY) == MONDAY + timedelta(hours=2)
