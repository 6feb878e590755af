"""Changes: committed once and never lost to a racing change, then told - the headline redrawn once, the
channel told what it did not see, a rising severity answered with a channel and a page, the lead asked
for the postmortem on close; a page acknowledged or an alert handled noted on the timeline."""

from __future__ import annotations

from dataclasses import replace

import pytest

from klaxon.alerts.model import Alert, SlackMessageOrigin
from klaxon.events import AlertResolved
from klaxon.incidents.commanding import run_command
from klaxon.incidents.desk import Edited, Note, change
from klaxon.incidents.events import Via
from klaxon.incidents.model import Incident, IncidentError, Severity
from klaxon.incidents.outcomes import Done, Refused
from klaxon.incidents.ports import IncidentConflict
from klaxon.incidents.timeline import EntryKind
from klaxon.paging import service as paging
from tests.unit.incidents.conftest import PAGED, declared


def test_a_change_racing_another_is_made_again_on_the_newer_incident_and_both_are_kept(desk, store):
    incident = declared(desk)
    saves, raced = store.incidents.save, []

    def racing_save(before: Incident, after: Incident, *args: object) -> Incident:
        if not raced:  # another command commits first, once
            raced.append(saves(before, replace(store.incidents.incidents[before.id], impact="EU only"), (), None))
            raise IncidentConflict(before.id)
        return saves(before, after, *args)  # type: ignore[arg-type]

    store.incidents.save = racing_save  # type: ignore[method-assign]
    run_command("severity 2", "U0LEAD", incident.id, Via.MENTION, desk())
    kept = store.incidents.get(incident.id)
    assert kept is not None and (kept.severity, kept.impact) == (Severity.MAJOR, "EU only")


def test_a_change_that_keeps_conflicting_is_refused_and_changes_nothing(desk, store, monkeypatch):
    incident = declared(desk)
    monkeypatch.setattr("klaxon.incidents.desk.time.sleep", lambda seconds: None)

    def always_raced(*args: object) -> Incident:
        raise IncidentConflict(incident.id)

    store.incidents.save = always_raced  # type: ignore[method-assign]
    with pytest.raises(IncidentError, match="kept changing"):
        change(desk(), incident.id, lambda i: Edited(i.with_impact("x"), (Note(EntryKind.FIELD, "impact"),)),
               by="U0LEAD", via=Via.MENTION, step="command")


def test_the_same_delivery_changes_nothing_twice_and_is_not_refused_for_it(desk, store, islack):
    incident = declared(desk)
    first = run_command("update rolled back", "U0LEAD", incident.id, Via.MENTION, desk("Ev9"))
    again = run_command("update rolled back", "U0LEAD", incident.id, Via.MENTION, desk("Ev9"))
    moved = run_command("resolve", "U0LEAD", incident.id, Via.MENTION, desk("Ev10"))
    retried = run_command("resolve", "U0LEAD", incident.id, Via.MENTION, desk("Ev10"))
    assert [type(outcome).__name__ for outcome in (first, again, moved, retried)] == ["Done"] * 4
    assert [e.text for e in store.incidents.timeline(incident.id)].count("rolled back") == 1
    assert len(islack.headline_draws) == 3, "posted, then one redraw per change"


def test_every_change_redraws_the_headline_once_and_again_if_a_newer_version_landed(desk, store, islack):
    incident = declared(desk)
    latest = store.incidents.get

    def newer_after_the_draw(incident_id: str) -> Incident | None:
        found = latest(incident_id)
        if found is not None and len(islack.headline_draws) == 2:  # a racing change landed meanwhile
            store.incidents.incidents[incident_id] = replace(found, version=found.version + 1, impact="EU only")
            return store.incidents.incidents[incident_id]
        return found

    store.incidents.get = newer_after_the_draw  # type: ignore[method-assign]
    run_command("update rolled back", "U0LEAD", incident.id, Via.MENTION, desk())
    assert len(islack.headline_draws) == 3 and islack.headlines["1800000400.000001"].impact == "EU only"


@pytest.mark.parametrize(("via", "command", "told"), [
    (Via.MENTION, "status identified bad deploy", ["status identified: bad deploy"]), (Via.MENTION, "severity 1", []),
    (Via.SLASH, "severity 1", ["severity SEV1 critical"]), (Via.HEADLINE, "severity 1", ["severity SEV1 critical"])])
def test_the_channel_is_told_status_moves_and_what_it_did_not_see_asked(desk, islack, via, command, told):
    incident = declared(desk, Severity.MAJOR)
    run_command(command, "U0LEAD", incident.id, via, desk())
    assert [change.entries[0].text for change in islack.announced] == told


def test_a_severity_raised_to_one_later_opens_the_channel_and_pages_once(desk, store, slack, islack):
    incident = declared(desk, Severity.MINOR)
    assert incident.comms_channel is None and slack.pages_sent == []
    run_command("severity 2", "U0LEAD", incident.id, Via.HEADLINE, desk())
    paged = store.incidents.get(incident.id)
    assert paged is not None and paged.comms_channel is not None
    assert slack.pages_sent == [(PAGED, f"incident/{incident.id}/severity", 0)]
    run_command("severity 1", "U0LEAD", incident.id, Via.MENTION, desk())
    run_command("severity 3", "U0LEAD", incident.id, Via.MENTION, desk())
    run_command("severity 1", "U0LEAD", incident.id, Via.MENTION, desk())
    assert len(slack.pages_sent) == 1 and len(islack.channels) == 1


def test_closing_asks_the_lead_for_the_postmortem_or_the_reporter_without_one(desk, islack):
    led = declared(desk, form="V1")
    unled = declared(desk, form="V2", lead=None)
    for incident in (led, unled):
        run_command("resolve", "U0LEAD", incident.id, Via.MENTION, desk())
        run_command("close", "U0LEAD", incident.id, Via.MENTION, desk())
    assert islack.postmortems == [(led.id, "U0LEAD"), (unled.id, "U0REPORTER")]


def test_closing_asks_the_reporter_when_slack_will_not_let_klaxon_message_the_lead_and_never_fails(desk, islack):
    """The lead left since (user_disabled): the reporter is asked; with both gone the close still goes through."""
    islack.unreachable_people = {"U0LEAD": "user_disabled"}
    left = declared(desk, form="V1")
    run_command("resolve", "U0LEAD", left.id, Via.MENTION, desk())
    assert isinstance(run_command("close", "U0LEAD", left.id, Via.MENTION, desk()), Done)
    islack.unreachable_people["U0REPORTER"] = "cannot_dm_bot"
    both = declared(desk, form="V2")
    run_command("resolve", "U0LEAD", both.id, Via.MENTION, desk())
    assert isinstance(run_command("close", "U0LEAD", both.id, Via.MENTION, desk()), Done)
    assert islack.postmortems == [(left.id, "U0REPORTER")]


def test_a_new_summary_is_the_comms_channels_new_topic(desk, islack):
    incident = declared(desk, Severity.MAJOR)
    run_command("summary checkout and cart are down", "U0LEAD", incident.id, Via.MENTION, desk())
    assert islack.topics[str(incident.comms_channel)] == "checkout and cart are down"


def test_an_acknowledged_page_acknowledges_the_incident_and_goes_on_its_timeline(desk, work, store, clock):
    incident = declared(desk, Severity.CRITICAL, lead=None)
    clock.advance(minutes=3)
    paging.acknowledge(f"incident/{incident.id}/severity", PAGED, work().pager())
    acknowledged = store.incidents.get(incident.id)
    assert acknowledged is not None and acknowledged.time_to_acknowledge is not None
    assert acknowledged.time_to_acknowledge.total_seconds() == 180
    assert f"<@{PAGED}> acknowledged the page after 3m" in [e.text for e in store.incidents.timeline(incident.id)]


def test_the_alert_an_incident_was_declared_from_is_noted_when_its_source_resolves_it(desk, work, store, clock):
    from klaxon.incidents.declaring import Declaration, declare

    alert = Alert(id="C0A/1.0", origin=SlackMessageOrigin("C0A", "1.0", "B0DD"), text="disk", label="",
                  target_channel="C0I", fingerprint="f", first_seen=clock.now())
    store.alerts.alerts[alert.id] = alert
    incident = declare(Declaration(summary="disk", reporter="U0BOB", form="V9", alert_id=alert.id), desk()).incident
    assert incident is not None
    work().publish(AlertResolved(alert, by="webhook:generic", at=clock.now()))
    texts = [e.text for e in store.incidents.timeline(incident.id)]
    assert {f"alert `{alert.id}` resolved by generic", f"alert `{alert.id}` acknowledged by <@U0BOB>"} <= set(texts)


def test_a_closed_incident_takes_no_more_changes(desk):
    incident = declared(desk)
    run_command("resolve", "U0LEAD", incident.id, Via.MENTION, desk())
    run_command("close", "U0LEAD", incident.id, Via.MENTION, desk())
    refused = run_command("severity 1", "U0LEAD", incident.id, Via.MENTION, desk())
    assert refused == Refused("the incident is closed; nothing about it changes any more")
