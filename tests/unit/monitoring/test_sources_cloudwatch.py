"""CloudWatch alarms inside SNS deliveries, with SNS's and CloudWatch users' own payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from klaxon.alerts.external import ExternalStatus
from klaxon.configuration.model import InsufficientData
from klaxon.monitoring import sns
from klaxon.monitoring.payloads import PayloadError
from klaxon.monitoring.sources import cloudwatch
from tests.payloads import fixture


def delivered(name: str) -> sns.Envelope:
    return sns.envelope(fixture(f"monitoring/{name}"))


def test_an_alarm_fires_keyed_by_its_arn() -> None:
    [event] = cloudwatch.parse(delivered("cloudforet-aws-sns-mon-webhook_cloudwatch_alarm_via_sns_http_ALARM.json"))
    assert (event.source, event.status) == ("cloudwatch", ExternalStatus.FIRING)
    assert event.dedup_key == "arn:aws:cloudwatch:ap-northeast-2:257706363616:alarm:EC2-CPU"
    assert (event.title, event.host, event.service) == ("EC2-CPU", "i-0f672ea50a80cda4b", "AWS/EC2")
    assert event.occurred_at == datetime(2021, 6, 23, 8, 41, 6, 622000, tzinfo=UTC)
    assert event.link == "https://console.aws.amazon.com/cloudwatch/home?region=ap-northeast-2#alarmsV2:alarm/EC2-CPU"


def test_ok_resolves() -> None:
    [event] = cloudwatch.parse(delivered("cloudforet-aws-sns-mon-webhook_cloudwatch_alarm_via_sns_http_OK.json"))
    assert event.status is ExternalStatus.RESOLVED
    assert event.dedup_key.endswith(":alarm:ContainerInsight-pod_cpu_utilization")


def test_an_alarm_without_its_arn_is_keyed_by_the_arn_it_has() -> None:
    [event] = cloudwatch.parse(delivered("aws_cloudwatch_alarm_via_sns_http_notification_ALARM.json"))
    assert event.dedup_key == "arn:aws:cloudwatch:eu-west-1:1234567890:alarm:bucketbytesAlarm"
    assert event.text.startswith("bucket bytes size exceeded\nThreshold Crossed")
    assert event.labels["BucketName"] == "try.alerta.io"


@pytest.mark.parametrize(("setting", "expected"), [(InsufficientData.IGNORE, None),
                                                   (InsufficientData.FIRE, ExternalStatus.FIRING),
                                                   (InsufficientData.RESOLVE, ExternalStatus.RESOLVED)])
def test_insufficient_data_does_what_the_deployment_chose(setting: InsufficientData,
                                                          expected: ExternalStatus | None) -> None:
    events = cloudwatch.parse(delivered("aws_cloudwatch_alarm_via_sns_http_notification_INSUFFICIENT_DATA.json"),
                              setting)
    assert [e.status for e in events] == ([expected] if expected else [])


def test_an_alarm_dated_by_sns_when_cloudwatch_gives_no_time() -> None:
    payload = fixture("monitoring/aws_cloudwatch_alarm_via_sns_http_notification_ALARM.json")
    alarm = json.loads(payload["Message"])
    del alarm["StateChangeTime"]
    [event] = cloudwatch.parse(sns.envelope(payload | {"Message": json.dumps(alarm)}))
    assert event.occurred_at == datetime(2019, 2, 15, 23, 53, 45, 134000, tzinfo=UTC)


@pytest.mark.parametrize(("message", "problem"), [
    ("Hello world", "not JSON"),
    ("[]", "expected a JSON object"),
    (json.dumps({"AlarmName": "x", "NewStateValue": "PANIC"}), "NewStateValue"),
    (json.dumps({"NewStateValue": "ALARM"}), "AlarmName"),
])
def test_a_message_that_is_not_an_alarm_is_refused_naming_the_problem(message: str, problem: str) -> None:
    payload = fixture("monitoring/aws_cloudwatch_alarm_via_sns_http_notification_ALARM.json") | {"Message": message}
    with pytest.raises(PayloadError, match=problem):
        cloudwatch.parse(sns.envelope(payload))
