"""Reminders from the sweep on a hand-moved clock: found through the due index, posted once per slot even
by overlapping sweeps, never early (also when the index lags or a sweep holds a stale copy), bounded, and gone
with what they ask for."""

from __future__ import annotations

from klaxon.incidents.commanding import run_command
from klaxon.incidents.events import Via
from klaxon.incidents.reminders import ReminderKind
from klaxon.incidents.reminding import send_reminders
from klaxon.sweep import SweepContext, sweep
from tests.unit.incidents.conftest import CONFIG, declared


def kinds(islack):
    return [reminder.kind for _, reminder in islack.reminded]


def test_no_lead_and_no_severity_are_reminded_at_most_three_times_each(desk, islack, clock):
    incident = declared(desk, None, lead=None)
    for _ in range(30):
        clock.advance(minutes=1)
        send_reminders(desk(), limit=100)
    assert kinds(islack).count(ReminderKind.NO_LEAD) == 3 and kinds(islack).count(ReminderKind.NO_SEVERITY) == 3
    assert all(incident_id == incident.id for incident_id, _ in islack.reminded)


def test_setting_what_a_reminder_asks_for_cancels_it(desk, islack, clock):
    incident = declared(desk, None, lead=None)
    clock.advance(minutes=5)
    send_reminders(desk(), limit=100)
    run_command("lead", "U0ANN", incident.id, Via.MENTION, desk())
    run_command("severity 4", "U0ANN", incident.id, Via.MENTION, desk())
    for _ in range(20):
        clock.advance(minutes=1)
        send_reminders(desk(), limit=100)
    assert sorted(kinds(islack)) == [ReminderKind.NO_LEAD, ReminderKind.NO_SEVERITY]


def test_only_due_incidents_are_read_and_overlapping_sweeps_post_once(desk, store, islack, clock):
    declared(desk, None, lead=None, form="V1")
    clock.advance(minutes=1)
    declared(desk, form="V2")  # led, with a severity: nothing due for two hours
    clock.advance(minutes=4)
    assert [i.lead for i in store.incidents.due(clock.now())] == [None]
    records, overlapping = store.incidents.record_reminders, []

    def another_sweep_first(found, sent, due_at):  # a second sweep runs before the first records
        if not overlapping:
            overlapping.append("running")
            overlapping.append(send_reminders(desk(), limit=100))
        return records(found, sent, due_at)

    store.incidents.record_reminders = another_sweep_first  # type: ignore[method-assign]
    assert (send_reminders(desk(), limit=100), overlapping) == (2, ["running", 0])
    assert sorted(kinds(islack)) == [ReminderKind.NO_LEAD, ReminderKind.NO_SEVERITY]


def test_a_change_racing_the_sweep_is_kept_and_the_sent_record_too(desk, store, islack, clock):
    incident = declared(desk, None, lead="U0LEAD")
    clock.advance(minutes=5)
    records = store.incidents.record_reminders
    raced = []

    def change_first(found, sent, due_at):
        if not raced:
            raced.append(run_command("update still looking", "U0LEAD", incident.id, Via.MENTION, desk()))
        return records(found, sent, due_at)

    store.incidents.record_reminders = change_first  # type: ignore[method-assign]
    send_reminders(desk(), limit=100)
    kept = store.incidents.get(incident.id)
    assert kept is not None and kept.latest_update == "still looking" and sum(kept.reminders.values()) == 1


def test_the_sweep_runs_incident_reminders_as_a_step(desk, store, slack, islack, clock):
    declared(desk, None)
    clock.advance(minutes=6)
    report = sweep(SweepContext(store=store, slack=slack, directory=None, config=CONFIG,  # type: ignore[arg-type]
                                now=clock.now(), publish=lambda event: None, incidents=desk()))
    assert report.done["incident_reminders"] == 1 and kinds(islack) == [ReminderKind.NO_SEVERITY]


def test_a_closed_incident_leaves_the_due_index(desk, store, clock):
    incident = declared(desk)
    run_command("resolve", "U0LEAD", incident.id, Via.MENTION, desk())
    run_command("close", "U0LEAD", incident.id, Via.MENTION, desk())
    assert incident.id not in store.incidents.due_at


def test_with_a_lagging_index_and_overlapping_sweeps_no_lead_is_reminded_when_due_and_not_a_moment_before(
        desk, store, islack, clock):
    declared(desk, lead=None)  # a severity, no lead: reminded five minutes after it was declared
    store.incidents.lagging_index = True  # the index lists it at every sweep, as a lagging index may
    clock.advance(minutes=5, microseconds=-1)
    for _ in range(3):
        send_reminders(desk(), limit=100)
    assert kinds(islack) == []
    clock.advance(microseconds=1)
    for _ in range(3):
        send_reminders(desk(), limit=100)
    assert kinds(islack) == [ReminderKind.NO_LEAD]


def test_a_sweep_holding_a_copy_read_before_the_lead_was_set_reminds_nobody(desk, store, islack, clock,
                                                                            monkeypatch):
    incident = declared(desk, lead=None)
    clock.advance(minutes=5)
    read_by_the_sweep = store.incidents.due(clock.now())
    run_command("lead", "U0ANN", incident.id, Via.MENTION, desk())  # Ann takes the lead meanwhile
    monkeypatch.setattr(store.incidents, "due", lambda now, limit=None: read_by_the_sweep)

    assert send_reminders(desk(), limit=100) == 0 and kinds(islack) == []
