"""CloudWatch alarms delivered by Amazon SNS to an HTTP(S) subscription.

The alarm is a JSON string in the SNS envelope's `Message`
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html): `NewStateValue`
ALARM fires; OK resolves; INSUFFICIENT_DATA does what `/klaxon settings insufficient-data` says (by default
nothing).
The alarm's ARN is the dedup key (older messages carry no `AlarmArn`: it is built from the topic's region,
the account and the alarm name, which is what the ARN is).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.configuration.model import InsufficientData
from klaxon.monitoring.payloads import PayloadError, SourceModel, bounded_labels, joined, source_time, validated
from klaxon.monitoring.sns import Envelope

SOURCE = "cloudwatch"


class _Dimension(SourceModel):
    name: str = ""
    value: str = ""


class _Trigger(SourceModel):
    MetricName: str | None = None
    Namespace: str | None = None
    Dimensions: list[_Dimension] = Field(default_factory=list, max_length=50)


class _Alarm(SourceModel):
    AlarmName: str = Field(min_length=1, max_length=255)
    AlarmDescription: str | None = None
    AWSAccountId: str = ""
    AlarmArn: str | None = None
    NewStateValue: Literal["ALARM", "OK", "INSUFFICIENT_DATA"]
    NewStateReason: str = ""
    StateChangeTime: datetime | None = None
    Region: str = ""
    Trigger: _Trigger | None = None


def parse(message: Envelope, insufficient_data: InsufficientData = InsufficientData.IGNORE) -> list[ExternalEvent]:
    """The alarm a verified SNS Notification carries; PayloadError if its Message is not a CloudWatch alarm."""
    try:
        body: Any = json.loads(message.Message)
    except ValueError:
        raise PayloadError("the SNS Message is not JSON: not a CloudWatch alarm") from None
    alarm = validated(_Alarm, body, "CloudWatch (in the SNS Message)")
    status = _status(alarm.NewStateValue, insufficient_data)
    if status is None:
        return []
    region = message.TopicArn.split(":")[3]
    dimensions = {d.name: d.value for d in (alarm.Trigger.Dimensions if alarm.Trigger else []) if d.name}
    return [ExternalEvent(
        source=SOURCE,
        dedup_key=alarm.AlarmArn or f"arn:aws:cloudwatch:{region}:{alarm.AWSAccountId}:alarm:{alarm.AlarmName}",
        status=status,
        title=alarm.AlarmName,
        text=joined(alarm.AlarmDescription, alarm.NewStateReason),
        link=f"https://console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/"
             f"{quote(alarm.AlarmName, safe='')}",
        host=next((dimensions[name] for name in ("InstanceId", "host", "Host", "DBInstanceIdentifier")
                   if dimensions.get(name)), None),
        service=alarm.Trigger.Namespace if alarm.Trigger else None,
        labels=bounded_labels(dimensions, {"alarm": alarm.AlarmName, "state": alarm.NewStateValue,
                                           "region": region, "account": alarm.AWSAccountId or None,
                                           "metric": alarm.Trigger.MetricName if alarm.Trigger else None}),
        occurred_at=source_time(alarm.StateChangeTime) or message.sent_at,
        note="CloudWatch has insufficient data for this alarm" if alarm.NewStateValue == "INSUFFICIENT_DATA"
        else None,
    )]


def _status(state: str, insufficient_data: InsufficientData) -> ExternalStatus | None:
    if state == "ALARM":
        return ExternalStatus.FIRING
    if state == "OK":
        return ExternalStatus.RESOLVED
    return {InsufficientData.FIRE: ExternalStatus.FIRING,
            InsufficientData.RESOLVE: ExternalStatus.RESOLVED}.get(insufficient_data)
