"""What a monitoring source reports about one of its alerts, once its payload is parsed (SPEC §5).

Every webhook source (generic, GCP Cloud Monitoring, Alertmanager, CloudWatch through SNS, Grafana) is a
small parser from the source's own payload into `ExternalEvent`s; the alert intake takes them from there
(rules, silences, grouping by the source's dedup key, repost, resolve, paging).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

MAX_DEDUP_KEY_CHARS = 1024  # longer keys are refused by the parsers: an ARN or a fingerprint is far shorter
SOURCES = ("generic", "gcp", "alertmanager", "cloudwatch", "grafana")  # SPEC §5's webhook sources


class ExternalStatus(StrEnum):
    """Whether the source says the problem is happening or over."""

    FIRING = "firing"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """The severities of SPEC §5's generic payload; each source's own levels map onto these."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"


@dataclass(frozen=True)
class ExternalEvent:
    """One alert's state as its source reported it.

    `dedup_key` is the source's own identity for the alert (GCP incident id, Alertmanager and Grafana
    fingerprint, CloudWatch alarm ARN, the generic payload's dedup_key): every event with the same
    source and key is about the same alert. `occurred_at` is the source's time for the event (None when the
    source gives none: the time it was received is used); an event older than what is stored changes nothing.
    """

    source: str
    dedup_key: str
    status: ExternalStatus
    title: str
    text: str = ""
    severity: Severity | None = None
    link: str | None = None
    host: str | None = None
    service: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    occurred_at: datetime | None = None
    note: str | None = None  # something the post should say about the delivery (e.g. alerts the source cut)

    def __post_init__(self) -> None:
        if not self.source:
            raise ValueError("an external event names its source")
        if not self.dedup_key or len(self.dedup_key) > MAX_DEDUP_KEY_CHARS:
            raise ValueError(f"a dedup key is 1-{MAX_DEDUP_KEY_CHARS} characters")
        if self.occurred_at is not None and self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must carry a time zone")

    @property
    def is_resolved(self) -> bool:
        return self.status is ExternalStatus.RESOLVED

    def moment(self, now: datetime) -> datetime:
        """When the event happened, which every decision about it uses (order, grouping, its alert's times).

        The source's time, or `now` without one. A time later than `now` is a sender's skewed clock or a
        made-up date (year 9999): taken as now, as a message's ts is (klaxon.alerts.messages) - kept as sent,
        it would make every later event of its key stale, so its resolve could never land.
        """
        return min(self.occurred_at, now) if self.occurred_at else now

    @property
    def matched_text(self) -> str:
        """What rules match: the title, the text, and each label as `name=value` on a line of its own."""
        labels = [f"{name}={value}" for name, value in sorted(self.labels.items())]
        return "\n".join(part for part in (self.title, self.text, *labels) if part)
