"""The `generic` source: SPEC §5's JSON, for anything that can send a webhook (a script, a CI job, a tool
without a source of its own).

    {"title": "checkout p99 above 2s",          required
     "status": "firing" | "resolved",           default firing
     "dedup_key": "checkout-latency",           default: the title with numbers and ids masked
     "text": "...", "severity": "critical|major|minor|info", "link": "https://...",
     "host": "api-3", "labels": {"team": "payments"}, "occurred_at": "2026-11-29T10:00:00Z"}

A request carries one such object, or a JSON array of up to MAX_ALERTS of them (a big group at once, as
Alertmanager sends its groups). Unknown fields are refused, so a misspelt field is named, not ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, field_validator

from klaxon.alerts.external import MAX_DEDUP_KEY_CHARS, ExternalEvent, ExternalStatus, Severity
from klaxon.rules import mask_variables

SOURCE = "generic"
MAX_ALERTS = 1000  # per request; 256 KB of body holds a few hundred of any real size
MAX_LABELS = 64
MAX_TITLE_CHARS = 500
MAX_TEXT_CHARS = 40_000  # Slack's own limit for a message's text

_Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]
_LabelValue = Annotated[str, StringConstraints(max_length=1000)]


class GenericAlert(BaseModel):
    """One alert in SPEC §5's generic JSON."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    status: Literal["firing", "resolved"] = "firing"
    dedup_key: str | None = Field(default=None, min_length=1, max_length=MAX_DEDUP_KEY_CHARS)
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    severity: Severity | None = None
    link: HttpUrl | None = None  # http or https only: it becomes a button in Slack
    host: str | None = Field(default=None, min_length=1, max_length=255)
    labels: dict[_Label, _LabelValue] = Field(default_factory=dict)
    occurred_at: AwareDatetime | None = None  # ISO-8601 with a zone: a time without one is ambiguous

    @field_validator("labels")
    @classmethod
    def _few_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        if len(labels) > MAX_LABELS:
            raise ValueError(f"at most {MAX_LABELS} labels, not {len(labels)}")
        return labels


GenericAlerts = Annotated[list[GenericAlert], Field(min_length=1, max_length=MAX_ALERTS)]


def to_event(alert: GenericAlert) -> ExternalEvent:
    """The event the intake takes; without a dedup key, alerts with the same title (numbers, ids and
    times masked, as grouping masks message text) are the same alert."""
    return ExternalEvent(
        source=SOURCE,
        dedup_key=alert.dedup_key or mask_variables(alert.title)[:MAX_DEDUP_KEY_CHARS],
        status=ExternalStatus(alert.status),
        title=alert.title,
        text=alert.text,
        severity=alert.severity,
        link=str(alert.link) if alert.link else None,
        host=alert.host,
        labels=dict(alert.labels),
        occurred_at=alert.occurred_at,
    )
