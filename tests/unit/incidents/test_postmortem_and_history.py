"""The postmortem export and the MTTA/MTTR history, against a fixed incident."""

from __future__ import annotations

from datetime import timedelta

from klaxon.incidents.durations import spoken
from klaxon.incidents.history import by_window, figures
from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.postmortem import WRITE_HERE, postmortem
from tests.incident_record import T0, at, fixed_incident, fixed_record, names


def test_the_postmortem_fills_in_the_facts_and_leaves_headings_to_write() -> None:
    record = fixed_record()
    text = postmortem(record.incident, reversed(record.timeline), names, at(120))
    assert text.startswith("# Postmortem: Checkout \\*down\\* for EU\n")
    assert "| Time to acknowledge | 6m |" in text and "| Time to mitigate | 15m |" in text
    assert "| Time to resolve | 42m |" in text and "| Duration | 42m |" in text
    assert "- Lead: Bob" in text and "- Comms: Carol \\<admin\\>" in text
    lines = text.splitlines()
    timeline_lines = [line for line in lines if line.startswith("- **2026-11-29")]
    assert timeline_lines[0] == "- **2026-11-29 10:00 UTC** declared (Alice): declared (SEV1 critical): Checkout " \
                                "\\*down\\* for EU"
    assert timeline_lines[1].endswith("errors from \\[payments\\](http://evil) \\| \\# not a heading, see the "
                                      "dashboard (https://grafana.example/d/1?a=1&b=2) and \\#ops")
    assert timeline_lines[3].endswith("role comms @Carol \\<admin\\>")  # a mention by the person's name now
    assert "- [x] a1: Roll back faster - Carol \\<admin\\>" in lines and "- [ ] a2: Add a canary" in lines
    for heading in ("## Contributing factors", "## What went well", "## What to change"):
        assert lines[lines.index(heading) + 2] == WRITE_HERE
    # Slack's entities read back as typed, then escaped for Markdown: the typed <b> stays text.
    assert "EU customers cannot pay\n\\<b\\>all\\</b\\> of them, says @Carol \\<admin\\>" in text


def test_an_unknown_person_is_shown_by_id_and_a_mention_by_its_label() -> None:
    incident = fixed_incident(summary="ask <@U9|zed> and <@U8>")
    text = postmortem(incident, [], lambda user: None, at(60))
    assert "- Lead: U2" in text and text.startswith("# Postmortem: ask @zed and @U8\n")


def test_an_open_incident_lasts_until_now_and_says_what_is_not_known_yet() -> None:
    open_one = Incident(id="inc-8", summary="slow search", severity=None, reporter="U1", lead=None, declared_at=T0)
    text = postmortem(open_one, [], names, at(90))
    assert "| Duration | 1h 30m |" in text and "| Time to resolve | - |" in text
    assert "severity not set" in text and "- Lead: nobody" in text and "No follow-up actions were recorded." in text
    assert "## Impact\n\n" + WRITE_HERE in text


def test_mtta_and_mttr_are_means_that_leave_pending_incidents_out_and_count_them() -> None:
    incident = fixed_incident()
    open_one = Incident(id="inc-8", summary="slow search", severity=Severity.CRITICAL, reporter="U1", lead=None,
                        declared_at=at(200))
    quick = Incident(id="inc-9", summary="blip", severity=Severity.CRITICAL, reporter="U1", lead="U1",
                     lead_since=T0, declared_at=at(300)).with_status(Status.RESOLVED, "U1", at(302))
    result = figures([incident, open_one, quick])
    assert (result.count, result.mtta, result.mttr) == (3, timedelta(minutes=4), timedelta(minutes=22))
    assert (result.unacknowledged, result.unresolved) == (1, 1)


def test_windows_of_30_and_90_days_by_severity() -> None:
    incident = fixed_incident()
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
