"""Prometheus Alertmanager webhooks (payload version 4), and the alerts of Grafana's unified alerting,
which sends the same shape with a few fields more.

Format: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config - one request carries a
group of alerts; each alert is its own Klaxon alert, keyed by its `fingerprint` (a hash of its labels,
which older Alertmanagers do not send: then the labels are hashed here the same way). A group can mix
firing and resolved alerts; `truncatedAlerts` counts alerts Alertmanager left out (`max_alerts`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.monitoring.payloads import (
    SourceModel,
    bounded_labels,
    joined,
    labels_key,
    severity_named,
    source_time,
    validated,
    web_link,
)

SOURCE = "alertmanager"
MAX_ALERTS = 1000  # a group larger than this is refused (Alertmanager's max_alerts keeps groups far smaller)
_HOST_LABELS = ("host", "hostname", "instance", "node", "nodename")
_SERVICE_LABELS = ("service", "job", "app", "application")
_PORT = re.compile(r":\d{1,5}$")


class GroupedAlert(SourceModel):
    """One alert of a group, as Alertmanager (and Grafana) send it."""

    status: Literal["firing", "resolved"] | None = None  # older senders give only the group's
    labels: dict[str, Any] = Field(default_factory=dict)
    annotations: dict[str, Any] = Field(default_factory=dict)
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: str = ""
    fingerprint: str = Field(default="", max_length=256)

    @field_validator("status", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class AlertGroup(SourceModel):
    """A notification: the group's alerts and what they share."""

    status: Literal["firing", "resolved"] | None = None
    alerts: list[GroupedAlert] = Field(min_length=1, max_length=MAX_ALERTS)
    groupLabels: dict[str, Any] = Field(default_factory=dict)
    commonLabels: dict[str, Any] = Field(default_factory=dict)
    commonAnnotations: dict[str, Any] = Field(default_factory=dict)
    externalURL: str = ""
    truncatedAlerts: int = Field(default=0, ge=0)


def parse(payload: Any) -> list[ExternalEvent]:
    """One event per alert of the group; PayloadError if the body is not an Alertmanager notification."""
    group = validated(AlertGroup, payload, "Alertmanager")
    return [event(alert, group, SOURCE) for alert in group.alerts]


def event(alert: GroupedAlert, group: AlertGroup, source: str, *, text: str = "", link: str | None = None,
          title: str | None = None) -> ExternalEvent:
    """The event for one alert of a group (Grafana passes its extra text and links)."""
    labels = bounded_labels(alert.labels)
    name = labels.get("alertname") or str(group.groupLabels.get("alertname") or group.commonLabels.get("alertname")
                                          or "")
    summary = str(alert.annotations.get("summary") or "")
    resolved = (alert.status or group.status) == "resolved"
    return ExternalEvent(
        source=source,
        dedup_key=alert.fingerprint or labels_key(labels),
        status=ExternalStatus.RESOLVED if resolved else ExternalStatus.FIRING,
        title=(title or summary or name or "alert without a name")[:500],
        text=joined(name if summary else None, str(alert.annotations.get("description") or ""), text),
        severity=severity_named(labels.get("severity") or alert.annotations.get("severity")),
        link=link or web_link(alert.generatorURL) or web_link(group.externalURL),
        host=host(labels),
        service=next((labels[name] for name in _SERVICE_LABELS if labels.get(name)), None),
        labels=labels,
        occurred_at=source_time(alert.endsAt if resolved else alert.startsAt),
        note=f"{source.title()} left out {group.truncatedAlerts} more alerts of this group"
        if group.truncatedAlerts else None,
    )


def host(labels: dict[str, str]) -> str | None:
    """The host an alert is about, from the labels exporters use for it (`instance` without its port)."""
    for name in _HOST_LABELS:
        if labels.get(name):
            return _PORT.sub("", labels[name]) if name == "instance" else labels[name]
    return None
