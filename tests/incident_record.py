"""One fixed incident, as Slack-typed text is stored (Slack's markup), for the renderer and export tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from klaxon.incidents.doc import IncidentDoc, LinkedAlert, LinkedPage
from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.timeline import EntryKind, IncidentRecord, TimelineEntry, entry, ordered, pin_key

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
INCIDENT_ID = "20261129-3fa2c1d4"
COMMS = "C0INC1"
NAMES = {"U1": "Alice", "U2": "Bob", "U3": "Carol <admin>", COMMS: "inc-20261129-checkout-down"}


def names(slack_id: str) -> str | None:
    return NAMES.get(slack_id)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fixed_incident(summary: str = "Checkout *down* for EU") -> Incident:
    """Declared by Alice at T0, led by Bob, Carol on comms; identified at 6 min, monitoring at 15, resolved at
    42; two actions, one done."""
    incident = Incident(id=INCIDENT_ID, summary=summary, severity=Severity.CRITICAL, reporter="U1", lead="U2",
                        lead_since=T0, declared_at=T0, comms_channel=COMMS,
                        headline=("C0INCIDENTS", "1800000400.000001"),
                        impact="EU customers cannot pay\n&lt;b&gt;all&lt;/b&gt; of them, says <@U3>",
                        alert_ids=("C0OPS/1800000000.000100",), page_ids=("page-1",))
    incident = incident.with_role("comms", "U3")
    incident = incident.with_status(Status.IDENTIFIED, "U2", at(6), "bad deploy")
    incident = incident.with_status(Status.MONITORING, "U2", at(15))
    incident = incident.with_status(Status.RESOLVED, "U2", at(42))
    incident, _ = incident.with_action("Roll back faster", "U3", "U2", at(50))
    incident, _ = incident.with_action("Add a canary", None, "U2", at(51))
    incident, _ = incident.with_action_done("a1", "U3", at(55))
    return incident


def fixed_timeline() -> list[TimelineEntry]:
    return [entry(INCIDENT_ID, EntryKind.DECLARED, "U1", T0, "declared (SEV1 critical): Checkout *down* for EU"),
            TimelineEntry(INCIDENT_ID, pin_key(COMMS, "1800000100.000200"), at(3), EntryKind.PIN, "U2",
                          "errors from [payments](http://evil) | # not a heading, see "
                          "<https://grafana.example/d/1?a=1&amp;b=2|the dashboard> and <#C0OPS|ops>",
                          message=(COMMS, "1800000100.000200")),
            entry(INCIDENT_ID, EntryKind.STATUS, "U2", at(6), "status identified: bad deploy"),
            entry(INCIDENT_ID, EntryKind.FIELD, "U2", at(7), "role comms <@U3>"),
            entry(INCIDENT_ID, EntryKind.PAGE, "U2", at(8), "<@U2> acknowledged the page after 2m")]


def fixed_record(incident: Incident | None = None) -> IncidentRecord:
    return IncidentRecord(incident or fixed_incident(), tuple(ordered(fixed_timeline())))


def fixed_doc(incident: Incident | None = None) -> IncidentDoc:
    """The record with the alert it was declared from and the page it started."""
    return IncidentDoc(record=fixed_record(incident),
                       alerts=(LinkedAlert(id="C0OPS/1800000000.000100", label="[Error]", headline="5xx above 5%",
                                           state="acknowledged", first_seen=T0 - timedelta(minutes=2),
                                           link="https://klaxon-demo.slack.com/archives/C0OPS/p1800000000000100"),),
                       pages=(LinkedPage(policy="sre", state="acknowledged", started_at=at(6), acknowledged_by="U2",
                                         acknowledged_at=at(8)),))
