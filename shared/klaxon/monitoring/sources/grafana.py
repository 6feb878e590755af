"""Grafana webhooks: unified alerting (Grafana 8 and later) and the legacy dashboard alerts, told apart by shape.

Unified alerting sends Alertmanager's group shape plus `title`, `message`, `orgId` and, per alert,
`valueString`, `values`, `dashboardURL` and `panelURL`
(https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/):
each alert is its own Klaxon alert by fingerprint. Legacy alerting sends one rule's state (`alerting`, `ok`,
`no_data`, `paused`, `pending`) with its `evalMatches`; the rule (org, dashboard, panel, rule id) is the alert.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.monitoring.payloads import (
    PayloadError,
    SourceModel,
    bounded_labels,
    joined,
    labels_key,
    severity_named,
    validated,
    web_link,
)
from klaxon.monitoring.sources import alertmanager
from klaxon.monitoring.sources.alertmanager import AlertGroup, GroupedAlert

SOURCE = "grafana"
HMAC_KEY = f"{SOURCE}_hmac"  # the webhook secret's key for Grafana's HMAC secret (its signature header)
MAX_EVAL_MATCHES = 100


class _UnifiedAlert(GroupedAlert):
    valueString: str = ""
    dashboardURL: str = ""
    panelURL: str = ""


class _UnifiedGroup(AlertGroup):
    alerts: list[_UnifiedAlert] = Field(min_length=1, max_length=alertmanager.MAX_ALERTS)  # type: ignore[assignment]
    title: str = ""
    message: str = ""


class _EvalMatch(SourceModel):
    value: float | None = None
    metric: str = ""
    tags: dict[str, Any] | None = None


class _LegacyAlert(SourceModel):
    state: Literal["alerting", "ok", "no_data", "paused", "pending"]
    title: str = ""
    ruleName: str = ""
    ruleId: int | None = None
    ruleUrl: str = ""
    message: str = ""
    orgId: int | None = None
    dashboardId: int | None = None
    panelId: int | None = None
    evalMatches: list[_EvalMatch] = Field(default_factory=list, max_length=MAX_EVAL_MATCHES)
    tags: dict[str, Any] = Field(default_factory=dict)


def parse(payload: Any) -> list[ExternalEvent]:
    """Events from either Grafana format; PayloadError if the body is neither."""
    if not isinstance(payload, dict):
        raise PayloadError("the body is not what Grafana sends: expected a JSON object")
    if "alerts" in payload:
        return _unified(validated(_UnifiedGroup, payload, "Grafana unified alerting"))
    if "state" in payload and ("ruleId" in payload or "evalMatches" in payload or "ruleName" in payload):
        return _legacy(validated(_LegacyAlert, payload, "Grafana legacy alerting"))
    raise PayloadError("the body is not what Grafana sends: neither `alerts` (unified alerting) nor a rule's "
                       "`state` (legacy alerting)")


def _unified(group: _UnifiedGroup) -> list[ExternalEvent]:
    return [alertmanager.event(alert, group, SOURCE, text=alert.valueString,
                               link=web_link(alert.panelURL) or web_link(alert.dashboardURL))
            for alert in group.alerts]


# Legacy states: `pending` is not firing yet (nothing to do); `paused` ends what was firing, with a note.
_LEGACY_STATUS = {"alerting": ExternalStatus.FIRING, "no_data": ExternalStatus.FIRING,
                  "ok": ExternalStatus.RESOLVED, "paused": ExternalStatus.RESOLVED}


def _legacy(alert: _LegacyAlert) -> list[ExternalEvent]:
    status = _LEGACY_STATUS.get(alert.state)
    if status is None:
        return []
    tags = bounded_labels(alert.tags)
    matched = [match.tags or {} for match in alert.evalMatches]
    rule = alert.ruleName or alert.title
    identity = [alert.orgId, alert.dashboardId, alert.panelId, alert.ruleId]
    dedup_key = "rule:" + ":".join("" if part is None else str(part) for part in identity) \
        if alert.ruleId is not None else "rule:" + labels_key({"rule": rule, "url": alert.ruleUrl})
    return [ExternalEvent(
        source=SOURCE,
        dedup_key=dedup_key,
        status=status,
        title=(f"{rule} (no data)" if alert.state == "no_data" else rule or "Grafana alert")[:500],
        text=joined(alert.message, *(_match_line(match) for match in alert.evalMatches[:10])),
        severity=severity_named(tags.get("severity")),
        link=web_link(alert.ruleUrl),
        host=_legacy_host(tags, matched),
        labels=bounded_labels(tags, {"rule": rule}),
        note="the rule was paused in Grafana" if alert.state == "paused" else None,
    )]


def _legacy_host(tags: dict[str, str], matched: list[dict[str, Any]]) -> str | None:
    """The host the rule's tags name, else the first evaluated series' `host` or `instance` tag."""
    for labels in (tags, *matched):
        for name in ("host", "instance"):
            if labels.get(name):
                return alertmanager.host({name: str(labels[name])})
    return None


def _match_line(match: _EvalMatch) -> str:
    value = "no value" if match.value is None else f"{match.value:g}"
    return f"{match.metric or 'value'} = {value}"
