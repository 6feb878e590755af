"""The postmortem export and the MTTA/MTTR history, against a fixed incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from klaxon.incidents.durations import spoken
from klaxon.incidents.history import by_window, figures
from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.postmortem import WRITE_HERE, postmortem
from klaxon.incidents.timeline import EntryKind, TimelineEntry, entry, pin_key

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
NAMES = {"U1": "Alice", "U2": "Bob", "U3": "Carol <admin>"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fixed_incident() -> tuple[Incident, list[TimelineEntry]]:
    incident = Incident(id="inc-7", summary="Checkout *down* for EU", severity=Severity.CRITICAL, reporter="U1",
                        lead="U2", lead_since=T0, declared_at=T0, impact="EU customers cannot pay\n<b>all</b> of them")
    incident = incident.with_role("comms", "U3")
    incident = incident.with_status(Status.IDENTIFIED, "U2", at(6), "bad deploy")
    incident = incident.with_status(Status.MONITORING, "U2", at(15))
    incident = incident.with_status(Status.RESOLVED, "U2", at(42))
    incident, _ = incident.with_action("Roll back faster", "U3", "U2", at(50))
    incident, _ = incident.with_action("Add a canary", None, "U2", at(51))
    incident, _ = incident.with_action_done("a1", "U3", at(55))
    timeline = [entry("inc-7", EntryKind.DECLARED, "U1", T0, "declared"),
                TimelineEntry("inc-7", pin_key("C9", "1.1"), at(3), EntryKind.PIN, "U2",
                              "errors from [payments](http://evil) | # not a heading"),
                entry("inc-7", EntryKind.STATUS, "U2", at(6), "identified: bad deploy")]
    return incident, timeline


def test_the_postmortem_fills_in_the_facts_and_leaves_headings_to_write() -> None:
    incident, timeline = fixed_incident()
    text = postmortem(incident, reversed(timeline), lambda user: NAMES.get(user, ""), at(120))
    assert text.startswith("# Postmortem: Checkout \\*down\\* for EU\n")
    assert "| Time to acknowledge | 6m |" in text and "| Time to mitigate | 15m |" in text
    assert "| Time to resolve | 42m |" in text and "| Duration | 42m |" in text
    assert "- Lead: Bob" in text and "- Comms: Carol \\<admin\\>" in text
    lines = text.splitlines()
    timeline_lines = [line for line in lines if line.startswith("- **2026-11-29")]
    assert timeline_lines[0] == "- **2026-11-29 10:00 UTC** declared (Alice): declared"
    assert timeline_lines[1].endswith("errors from \\[payments\\](http://evil) \\| \\# not a heading")
    assert "- [x] a1: Roll back faster - Carol \\<admin\\>" in lines and "- [ ] a2: Add a canary" in lines
    for heading in ("## Contributing factors", "## What went well", "## What to change"):
        assert lines[lines.index(heading) + 2] == WRITE_HERE
    assert "EU customers cannot pay\n\\<b\\>all\\</b\\> of them" in text


def test_an_unknown_person_is_shown_by_id() -> None:
    incident, timeline = fixed_incident()
    assert "- Lead: U2" in postmortem(incident, timeline, lambda user: "", at(60))


def test_mtta_and_mttr_are_means_that_leave_pending_incidents_out_and_count_them() -> None:
    incident, _ = fixed_incident()
    open_one = Incident(id="inc-8", summary="slow search", severity=Severity.CRITICAL, reporter="U1", lead=None,
                        declared_at=at(200))
    quick = Incident(id="inc-9", summary="blip", severity=Severity.CRITICAL, reporter="U1", lead="U1",
                     lead_since=T0, declared_at=at(300)).with_status(Status.RESOLVED, "U1", at(302))
    result = figures([incident, open_one, quick])
    assert (result.count, result.mtta, result.mttr) == (3, timedelta(minutes=4), timedelta(minutes=22))
    assert (result.unacknowledged, result.unresolved) == (1, 1)


def test_windows_of_30_and_90_days_by_severity() -> None:
    incident, _ = fixed_incident()
    old = Incident(id="inc-1", summary="old", severity=Severity.MINOR, reporter="U1", lead="U1", lead_since=T0,
                   declared_at=T0 - timedelta(days=60)).with_status(Status.RESOLVED, "U1", T0 - timedelta(days=59))
    thirty, ninety = by_window([incident, old], at(60))
    assert (thirty.days, thirty.overall.count, list(thirty.by_severity)) == (30, 1, [Severity.CRITICAL])
    assert (ninety.overall.count, list(ninety.by_severity)) == (2, [Severity.CRITICAL, Severity.MINOR])
    assert ninety.by_severity[Severity.MINOR].mttr == timedelta(days=1)


def test_durations_are_spoken_to_the_minute() -> None:
    assert [spoken(timedelta(seconds=s)) for s in (0, 59, 60, 3660, 90_000)] == ["0s", "59s", "1m", "1h 1m",
                                                                                  "1d 1h"]
    assert spoken(None) == "-"
