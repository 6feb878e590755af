"""Google Cloud Monitoring webhooks (notification schema 1.2, and 1.1 which it extends).

Format: https://cloud.google.com/monitoring/support/notification-options#webhooks - one incident per
request; `incident.state` is `open` or `closed` with the same `incident_id` on both, which is the dedup key.
Uptime checks come as `resource.type` `uptime_url` with the checked host in `resource.labels.host`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.monitoring.payloads import (
    SourceModel,
    bounded_labels,
    joined,
    severity_named,
    source_time,
    validated,
    web_link,
)

SOURCE = "gcp"
UPTIME_RESOURCE = "uptime_url"


class _Resource(SourceModel):
    type: str = ""
    labels: dict[str, Any] = Field(default_factory=dict)


class _Documentation(SourceModel):
    content: str = ""


class _Metadata(SourceModel):
    system_labels: dict[str, Any] = Field(default_factory=dict)
    user_labels: dict[str, Any] = Field(default_factory=dict)


class _Metric(SourceModel):
    type: str = ""
    displayName: str = ""
    labels: dict[str, Any] = Field(default_factory=dict)


class _Incident(SourceModel):
    incident_id: str = Field(min_length=1, max_length=1024)
    state: Literal["open", "closed"]
    started_at: int | None = None
    ended_at: int | None = None
    policy_name: str = ""
    condition_name: str = ""
    summary: str = ""
    url: str | None = None
    resource: _Resource = Field(default_factory=_Resource)
    resource_name: str = ""
    resource_type_display_name: str = ""
    documentation: _Documentation | None = None
    metadata: _Metadata | None = None
    metric: _Metric | None = None
    policy_user_labels: dict[str, Any] = Field(default_factory=dict)
    severity: str | None = None

    @field_validator("state", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class _Notification(SourceModel):
    version: str = "1.2"
    incident: _Incident


def parse(payload: Any) -> list[ExternalEvent]:
    """The one event a GCP notification carries; PayloadError if it is not one."""
    incident = validated(_Notification, payload, "GCP Cloud Monitoring").incident
    closed = incident.state == "closed"
    title = ": ".join(part for part in (incident.policy_name, incident.condition_name) if part)
    return [ExternalEvent(
        source=SOURCE,
        dedup_key=incident.incident_id,
        status=ExternalStatus.RESOLVED if closed else ExternalStatus.FIRING,
        title=title or incident.summary or f"GCP incident {incident.incident_id}",
        text=joined(incident.summary, incident.documentation.content if incident.documentation else None),
        severity=severity_named(incident.severity),
        link=web_link(incident.url),
        host=host(incident),
        labels=bounded_labels(incident.resource.labels, incident.metric.labels if incident.metric else None,
                              incident.metadata.user_labels if incident.metadata else None,
                              incident.policy_user_labels,
                              {"resource_type": incident.resource.type or None,
                               "policy": incident.policy_name or None}),
        occurred_at=source_time(incident.ended_at if closed else incident.started_at),
    )]


_HOST_LABELS = ("host", "instance_name", "instance_id", "node_name", "pod_name")


def host(incident: _Incident) -> str | None:
    """The checked host of an uptime check, else the resource's own name.

    GCP names a resource as `<name> <type> labels {k=v, …}` (e.g. `bing-tf-test VM Instance labels
    {project_id=bing-tf-test}`): a naming resource label is preferred, else the name before the labels.
    """
    for label in _HOST_LABELS:
        named = incident.resource.labels.get(label)
        if isinstance(named, str) and named.strip():
            return named.strip()[:255]
    name = incident.resource_name.split(" labels {", 1)[0].strip()
    if incident.resource_type_display_name and name.endswith(incident.resource_type_display_name):
        name = name.removesuffix(incident.resource_type_display_name).strip()
    return name[:255] or None

