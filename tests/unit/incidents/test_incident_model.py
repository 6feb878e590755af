"""The incident's lifecycle and record: statuses, the moments MTTA and MTTR come from, roles and actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klaxon.incidents.model import (
    ActionState,
    Incident,
    IncidentError,
    Severity,
    Status,
    parse_severity,
    parse_status,
)

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def declared(**overrides: object) -> Incident:
    values: dict[str, object] = {"id": "inc-1", "summary": "checkout is down", "severity": Severity.MAJOR,
                                 "reporter": "U1", "lead": "U1", "declared_at": T0, "lead_since": T0}
    return Incident(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(("written", "severity"), [
    ("1", Severity.CRITICAL), ("sev1", Severity.CRITICAL), ("SEV-1", Severity.CRITICAL), ("sev 1", Severity.CRITICAL),
    ("s2", Severity.MAJOR), ("major", Severity.MAJOR), (" Minor ", Severity.MINOR), ("4", Severity.TRIVIAL),
    ("trivial", Severity.TRIVIAL), ("p1", Severity.CRITICAL),
])
def test_severity_is_read_exactly(written: str, severity: Severity) -> None:
    assert parse_severity(written) is severity


@pytest.mark.parametrize("written", ["10", "1 now", "sev11", "0", "5", "critical!", "db-1 is down", "", "one",
                                     "21", "sev 12"])
def test_text_that_only_contains_a_severity_is_not_one(written: str) -> None:
    with pytest.raises(IncidentError, match="not a severity"):
        parse_severity(written)


@pytest.mark.parametrize(("written", "status"), [("monitoring", Status.MONITORING), ("Ident", Status.IDENTIFIED),
                                                 ("inve", Status.INVESTIGATING), ("RESOLVED", Status.RESOLVED)])
def test_status_by_name_or_an_unambiguous_prefix(written: str, status: Status) -> None:
    assert parse_status(written) is status


@pytest.mark.parametrize("written", ["mon", "fixed", "", "investigatingg"])
def test_anything_else_is_not_a_status(written: str) -> None:
    with pytest.raises(IncidentError, match="not a status"):
        parse_status(written)


def test_the_lifecycle_records_when_each_stage_was_first_reached() -> None:
    incident = declared()
    incident = incident.with_status(Status.IDENTIFIED, "U2", at(4), "bad deploy")
    incident = incident.with_status(Status.MONITORING, "U2", at(10))
    incident = incident.with_status(Status.RESOLVED, "U2", at(30))
    incident = incident.with_status(Status.CLOSED, "U2", at(60))
    assert (incident.time_to_acknowledge, incident.time_to_mitigate, incident.time_to_resolve) == (
        timedelta(minutes=4), timedelta(minutes=10), timedelta(minutes=30))
    assert incident.closed_at == at(60) and incident.is_closed
    assert [(c.status, c.at, c.note) for c in incident.history] == [
        (Status.IDENTIFIED, at(4), "bad deploy"), (Status.MONITORING, at(10), ""), (Status.RESOLVED, at(30), ""),
        (Status.CLOSED, at(60), "")]
    assert incident.duration(at(500)) == timedelta(minutes=30)


def test_resolving_without_monitoring_counts_as_mitigated_then() -> None:
    incident = declared().with_status(Status.RESOLVED, "U2", at(20))
    assert incident.mitigated_at == at(20) and incident.acknowledged_at == at(20)


def test_a_resolved_incident_reopens_and_is_no_longer_resolved_but_keeps_its_first_mitigation() -> None:
    incident = declared().with_status(Status.MONITORING, "U2", at(5)).with_status(Status.RESOLVED, "U2", at(9))
    reopened = incident.with_status(Status.INVESTIGATING, "U3", at(15), "it is back")
    assert reopened.resolved_at is None and reopened.status is Status.INVESTIGATING
    assert reopened.mitigated_at == at(5)
    assert reopened.duration(at(40)) == timedelta(minutes=40)


@pytest.mark.parametrize(("start", "to", "problem"), [
    (Status.INVESTIGATING, Status.CLOSED, "resolve the incident before closing"),
    (Status.MONITORING, Status.MONITORING, "already monitoring"),
])
def test_moves_the_lifecycle_does_not_allow_are_refused(start: Status, to: Status, problem: str) -> None:
    incident = declared() if start is Status.INVESTIGATING else declared().with_status(start, "U2", at(1))
    with pytest.raises(IncidentError, match=problem):
        incident.with_status(to, "U2", at(2))


def test_a_closed_incident_changes_no_more() -> None:
    closed = declared().with_status(Status.RESOLVED, "U2", at(1)).with_status(Status.CLOSED, "U2", at(2))
    for change in (lambda i: i.with_status(Status.INVESTIGATING, "U2", at(3)), lambda i: i.with_lead("U9", at(3)),
                   lambda i: i.with_severity(Severity.CRITICAL), lambda i: i.with_summary("x"),
                   lambda i: i.with_role("comms", "U9"), lambda i: i.updated(at(3))):
        with pytest.raises(IncidentError, match="closed"):
            change(closed)


def test_naming_a_lead_after_declaring_acknowledges_it() -> None:
    incident = declared(lead=None, lead_since=None).with_lead("U7", at(3))
    assert (incident.lead, incident.lead_since, incident.acknowledged_at) == ("U7", at(3), at(3))
    with pytest.raises(IncidentError, match="already leads"):
        incident.with_lead("U7", at(4))


def test_roles_are_named_plainly_and_the_lead_is_not_one_of_them() -> None:
    incident = declared().with_role("  Incident   Commander ", "U5").with_role("comms", "U6")
    assert dict(incident.roles) == {"incident commander": "U5", "comms": "U6"}
    assert incident.people == {"U1", "U5", "U6"}
    for bad in ("lead", "<script>", "9lives"):
        with pytest.raises(IncidentError):
            incident.with_role(bad, "U5")


def test_actions_get_ids_owners_and_are_done_once() -> None:
    incident, first = declared().with_action("write the runbook", "U4", "U1", at(2))
    incident, second = incident.with_action("add an alert on queue depth", None, "U1", at(3))
    assert (first.id, second.id, first.owner) == ("a1", "a2", "U4")
    incident, done = incident.with_action_done("A1", "U4", at(9))
    assert (done.state, done.done_by, done.done_at) == (ActionState.DONE, "U4", at(9))
    assert incident.action("a2").state is ActionState.OPEN
    assert "U4" in incident.people
    with pytest.raises(IncidentError, match="already done"):
        incident.with_action_done("a1", "U4", at(10))
    with pytest.raises(IncidentError, match="no action `a9`"):
        incident.with_action_done("a9", "U4", at(10))
    with pytest.raises(IncidentError, match="say what the action is"):
        incident.with_action("  ", None, "U1", at(11))


@pytest.mark.parametrize(("field", "value", "problem"), [("summary", " ", "needs a summary"),
                                                          ("summary", "x" * 301, "longer than 300"),
                                                          ("impact", "x" * 2001, "longer than 2000")])
def test_an_incident_s_text_is_bounded(field: str, value: str, problem: str) -> None:
    with pytest.raises(IncidentError, match=problem):
        declared(**{field: value})
