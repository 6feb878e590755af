"""What each domain event counts (klaxon.metrics): the metrics' subscribers, wired in klaxon.bootstrap's table.

Each function turns one event into its measurements; none of them reads or writes anything, so counting can
never fail the work it counts, and a subscriber the bus retries never counts twice for one attempt's failure.
"""

from __future__ import annotations

from collections.abc import Mapping

from klaxon.events import (
    AlertAcknowledged,
    AlertRaised,
    AlertReopened,
    AlertRepeated,
    AlertResolved,
    Event,
    LevelNotified,
    PageAcknowledged,
    PageEnded,
    PageStarted,
)
from klaxon.incidents.events import IncidentChanged, IncidentDeclared
from klaxon.metrics import SOURCE, Measurement, Metric, Unit


def alert_raised(event: AlertRaised) -> list[Measurement]:
    """AlertsRaised by source (with the rule as a property); AlertsSilenced too when a silence held it back (with
    the silence and the source as properties: one series, however many silences come and go)."""
    alert = event.alert
    source = {SOURCE: alert.source}
    raised = Measurement(Metric.ALERTS_RAISED, dimensions=source,
                         properties={"rule": alert.rule_id} if alert.rule_id else {})
    if not alert.silenced_by:
        return [raised]
    silenced = Measurement(Metric.ALERTS_SILENCED, properties={"silence": alert.silenced_by, "source": alert.source})
    return [raised, silenced]


def alert_acknowledged(event: AlertAcknowledged) -> list[Measurement]:
    """Acknowledgements; and the time to acknowledge, for the first acknowledgement only (seconds since the
    alert was first seen)."""
    counted = [Measurement(Metric.ACKNOWLEDGEMENTS)]
    first = event.alert.acknowledged_by
    if first is not None and (first.user, first.at) == (event.by, event.at):
        waited = max(0.0, (event.at - event.alert.first_seen).total_seconds())
        counted.append(Measurement(Metric.TIME_TO_ACKNOWLEDGE, waited, Unit.SECONDS))
    return counted


# Events that count once each, as they come: a repeat (no dimension, so a storm of repeats is one aggregated
# series), a resolve, a reopen, and each stage of a page.
COUNTED: Mapping[type[Event], Metric] = {
    AlertRepeated: Metric.ALERTS_GROUPED, AlertResolved: Metric.ALERTS_RESOLVED, AlertReopened: Metric.ALERTS_REOPENED,
    PageStarted: Metric.PAGES_STARTED, LevelNotified: Metric.LEVELS_NOTIFIED,
    PageAcknowledged: Metric.PAGES_ACKNOWLEDGED, PageEnded: Metric.PAGES_ENDED,
}


def once(event: Event) -> list[Measurement]:
    """One of COUNTED's events: one count of its metric."""
    return [Measurement(COUNTED[type(event)])]


def incident_declared(event: IncidentDeclared) -> list[Measurement]:
    """A new declaration only: a repeat of the form finding its incident declares nothing."""
    return [Measurement(Metric.INCIDENTS_DECLARED)] if event.new else []


def incident_changed(event: IncidentChanged) -> list[Measurement]:
    """IncidentsResolved and the time to resolve (seconds since declared), when this change resolved it."""
    took = event.after.time_to_resolve
    if took is None or event.before.resolved_at is not None:
        return []
    return [Measurement(Metric.INCIDENTS_RESOLVED),
            Measurement(Metric.TIME_TO_RESOLVE_INCIDENT, took.total_seconds(), Unit.SECONDS)]
