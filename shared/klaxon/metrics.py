"""What Klaxon counts for its operators: every metric by name, and the one way a measurement leaves.

Measurements are made by the subscribers of the domain events (klaxon.bootstrap's table) and at the adapters'
edges (the Slack client counts rate limits); klaxon.bootstrap.cloudwatch_count sends them to CloudWatch in the
embedded metric format, in the namespace POWERTOOLS_METRICS_NAMESPACE names (template.yaml: `Klaxon/<stack>`,
so a staging and a production stack in one account never mix their figures). The dashboard in template.yaml
shows each of them, and a template test keeps the two in step.

Dimensions cost: CloudWatch bills every distinct combination of a metric's dimensions as a metric of its own
(about $0.30 a month each). So a dimension is used only where its values are few and known - the `Source`
of a raised alert (slack and the five webhook sources: 6 series), the sweep's `Step` (9). What has
many values - the rule an alert matched, the silence that held one back, the Slack method that was
rate-limited - goes along as a *property*
of the measurement: written into the same log line, searchable with CloudWatch Logs Insights (the dashboard's
"alerts by rule" widget), and never a metric of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Metric(StrEnum):
    """Every metric Klaxon emits (its CloudWatch name)."""

    ALERTS_RAISED = "AlertsRaised"  # new alerts recorded, silenced ones included; by Source, with the rule
    ALERTS_GROUPED = "AlertsGrouped"  # repeats counted into an alert instead of posted again
    ALERTS_SILENCED = "AlertsSilenced"  # new alerts a silence (or a host mute) kept from being posted and paged
    ALERTS_RESOLVED = "AlertsResolved"
    ALERTS_REOPENED = "AlertsReopened"
    ACKNOWLEDGEMENTS = "Acknowledgements"
    TIME_TO_ACKNOWLEDGE = "TimeToAcknowledge"  # seconds from an alert's first sight to its first acknowledgement
    PAGES_STARTED = "PagesStarted"
    LEVELS_NOTIFIED = "LevelsNotified"  # each level of each page, the first one included
    PAGES_ACKNOWLEDGED = "PagesAcknowledged"
    PAGES_ENDED = "PagesEnded"  # every level and repeat notified and nobody acknowledged
    INCIDENTS_DECLARED = "IncidentsDeclared"
    INCIDENTS_RESOLVED = "IncidentsResolved"
    TIME_TO_RESOLVE_INCIDENT = "TimeToResolveIncident"  # seconds from declared to resolved
    SLACK_RATE_LIMITED = "SlackRateLimited"  # 429s the Slack client waited out and retried; with the method
    SLACK_GAVE_UP = "SlackRateLimitGaveUp"  # 429s it did not wait out (too long, or retries spent); with the method
    SWEEP_WORK = "SweepWork"  # what one sweep did, by Step (pages advanced, digests drawn …)


class Unit(StrEnum):
    """CloudWatch's units, of those Klaxon uses."""

    COUNT = "Count"
    SECONDS = "Seconds"


SOURCE = "Source"  # the dimension naming where an alert came from: `slack`, or a webhook source
STEP = "Step"  # the dimension naming a sweep's step


@dataclass(frozen=True)
class Measurement:
    """One value of one metric: its dimensions (few, known values) and properties (anything, logged beside it)."""

    metric: Metric
    value: float = 1
    unit: Unit = Unit.COUNT
    dimensions: Mapping[str, str] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)


type Count = Callable[[Measurement], None]
"""Where measurements go: CloudWatch in the functions (klaxon.bootstrap.cloudwatch_count), a list in tests."""
