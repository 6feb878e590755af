"""What Klaxon counts for its operators, told by the domain events' subscribers: alerts by source (the rule
as a property, not a dimension), repeats, silenced alerts, pages and each level notified, acknowledgements,
incidents declared and resolved."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from klaxon import measurements
from klaxon.alerts.handling import acknowledge
from klaxon.incidents.events import IncidentChanged, IncidentDeclared, Via
from klaxon.incidents.model import Incident
from klaxon.metrics import SOURCE, Measurement, Metric, Unit
from tests.desk import T0, Desk


def named(metrics: list[Measurement]) -> list[Metric]:
    return [measurement.metric for measurement in metrics]


def test_a_message_alert_counts_as_raised_from_slack_with_its_rule_and_its_repeat_as_grouped():
    desk = Desk()
    desk.klaxon("rule add /disk full/ to #incidents")
    rule = desk.store.configuration.snapshot.rules[0].id

    desk.message("disk full on db-7")
    desk.message("disk full on db-8")

    assert desk.metrics == [Measurement(Metric.ALERTS_RAISED, dimensions={SOURCE: "slack"}, properties={"rule": rule}),
                            Measurement(Metric.ALERTS_GROUPED)]


def test_webhook_alerts_count_by_their_source_and_a_silenced_one_as_silenced_too():
    desk = Desk()
    assert desk.klaxon("silence source=gcp for 1h").ok
    (silence,) = desk.store.silences.silences

    desk.webhook(desk.event("gcp", "incident-1"), desk.event("generic", "checkout"))
    desk.webhook(desk.event("generic", "checkout"))

    gcp, generic = {SOURCE: "gcp"}, {SOURCE: "generic"}
    assert desk.metrics == [Measurement(Metric.ALERTS_RAISED, dimensions=gcp),
                            Measurement(Metric.ALERTS_SILENCED, properties={"silence": silence, "source": "gcp"}),
                            Measurement(Metric.ALERTS_RAISED, dimensions=generic),
                            Measurement(Metric.ALERTS_GROUPED)]


def test_a_page_counts_its_start_each_level_it_notified_and_its_end():
    desk = Desk()
    desk.klaxon("policy set db level @bob after 1m; level @admin after 1m")
    desk.klaxon("rule add /disk full/ to #incidents policy db ack-timeout 1m")
    desk.message("disk full on db-7")
    del desk.metrics[:]

    for _ in range(3):
        desk.clock.advance(minutes=1, seconds=1)
        desk.sweep()

    assert named(desk.metrics) == [Metric.LEVELS_NOTIFIED, Metric.PAGES_STARTED, Metric.LEVELS_NOTIFIED,
                                   Metric.PAGES_ENDED]


def test_the_first_acknowledgement_counts_with_the_seconds_it_took_and_stops_the_page():
    desk = Desk()
    desk.klaxon("policy set db level @bob after 1m")
    desk.klaxon("rule add /disk full/ to #incidents policy db ack-timeout 1m")
    alert = desk.message("disk full on db-7")
    assert alert is not None
    desk.clock.advance(minutes=1, seconds=1)
    desk.sweep()
    del desk.metrics[:]

    desk.clock.advance(seconds=29)
    work = desk.work()
    acknowledge(alert.id, "U0BOB", desk.clock.now(), store=desk.store, slack=desk.slack, publish=work.publish)

    assert desk.metrics[:2] == [Measurement(Metric.ACKNOWLEDGEMENTS),
                                Measurement(Metric.TIME_TO_ACKNOWLEDGE, 90.0, Unit.SECONDS)]
    assert Metric.PAGES_ACKNOWLEDGED in named(desk.metrics)


INCIDENT = Incident(id="inc-1", summary="checkout is down", severity=None, reporter="U0REPORTER", lead=None,
                    declared_at=T0)


def changed(before: Incident, after: Incident) -> IncidentChanged:
    return IncidentChanged(before=before, after=after, by="U0LEAD", at=T0, via=Via.MENTION, entries=())


def test_an_incident_counts_once_declared_and_once_resolved_with_the_seconds_it_took():
    resolved = replace(INCIDENT, resolved_at=T0 + timedelta(minutes=42))

    assert measurements.incident_declared(IncidentDeclared(INCIDENT, alert_id=None, new=True)) == [
        Measurement(Metric.INCIDENTS_DECLARED)]
    assert measurements.incident_declared(IncidentDeclared(INCIDENT, alert_id=None, new=False)) == []
    assert measurements.incident_changed(changed(INCIDENT, resolved)) == [
        Measurement(Metric.INCIDENTS_RESOLVED), Measurement(Metric.TIME_TO_RESOLVE_INCIDENT, 2520.0, Unit.SECONDS)]
    assert measurements.incident_changed(changed(resolved, replace(resolved, lead="U0LEAD"))) == [], \
        "a later change of a resolved incident resolves nothing"
