"""Every monitoring fixture through the real webhooks handler over HTTP in the local cloud: each source's own
payloads with its own credentials (GCP's ?token=, Alertmanager's Bearer, Grafana's basic auth and HMAC, SNS's
signature), posted to the emulated workspace, resolved by the source, and refused with nothing stored when the
credentials or the signature are wrong.

SNS: aws-sdk-ruby's signed messages are checked against their own certificate, served by the local cloud's
stand-in for SNS under the very URL they name, with the clock pinned inside its validity (2022-07-28); the
CloudWatch alarms and the confirmation, whose certificates nobody kept, are re-signed by the tests' own
sns.amazonaws.com certificate (tests/sns_signing.py), served the same way.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pytest

from infra.stack import WEBHOOK_SECRETS
from klaxon.bootstrap import cold_start
from tests.fakes import FakeClock
from tests.integration.slack_app.posts import block, nothing_stored, posts
from tests.payloads import FIXTURES, fixture
from tests.sns_signing import signer

SIGNED_AT = datetime(2022, 7, 28, 21, 30, tzinfo=UTC)
RUBY = ["aws-sdk-ruby_sns_notification_signature_v1.json", "aws-sdk-ruby_sns_notification_signature_v2_sha256.json",
        "aws-sdk-ruby_sns_notification_lambda_style_keys.json"]
RESIGNED = ["aws_cloudwatch_alarm_via_sns_http_notification_ALARM.json",
            "aws_cloudwatch_alarm_via_sns_http_notification_INSUFFICIENT_DATA.json",
            "aws_sns_http_subscription_confirmation.json",
            "cloudforet-aws-sns-mon-webhook_cloudwatch_alarm_via_sns_http_ALARM.json",
            "cloudforet-aws-sns-mon-webhook_cloudwatch_alarm_via_sns_http_OK.json"]


def load(name: str):
    return fixture(f"monitoring/{name}")


@pytest.fixture
def monitoring(stack, alice, monkeypatch):
    """#incidents as the incidents channel; every SNS fixture's topic allowed."""
    incidents = stack.workspace.add_channel("incidents")["id"]
    monkeypatch.setenv("INCIDENTS_CHANNEL", incidents)
    topics = {load(name)["TopicArn"] for name in RUBY + RESIGNED}
    monkeypatch.setenv("SNS_TOPIC_ARNS", ",".join(sorted(topics)))
    cold_start()
    return stack


@pytest.fixture
def sns(monitoring, monkeypatch, tmp_path):
    """SNS's certificates on the local cloud's stand-in for SNS, and the clock pinned to 2022-07-28."""
    for name in RUBY:
        pinned = load(name).get("SigningCertURL") or load(name)["SigningCertUrl"]
        (tmp_path / PurePosixPath(urlsplit(pinned).path).name).write_bytes(
            (FIXTURES / "monitoring" / "aws-sdk-ruby_sns_signing_cert.pem").read_bytes())
    for name in RESIGNED:
        (tmp_path / PurePosixPath(urlsplit(load(name)["SigningCertURL"]).path).name).write_bytes(signer().pem)
    monkeypatch.setenv("SNS_LOCAL_CERTIFICATES", str(tmp_path))
    cold_start(clock=FakeClock(SIGNED_AT))
    yield monitoring
    cold_start()


def gcp(stack, body, token=WEBHOOK_SECRETS["gcp"]):
    return stack.webhook("gcp", body, query={"token": token})


def alertmanager(stack, body, secret=WEBHOOK_SECRETS["alertmanager"]):
    return stack.webhook("alertmanager", body, secret=secret)


def grafana(stack, body, password=WEBHOOK_SECRETS["grafana"], signed=True):
    data = json.dumps(body).encode()
    basic = base64.b64encode(f"grafana:{password}".encode()).decode()
    headers = {"authorization": f"Basic {basic}"}
    if signed:
        signature = hmac.new(WEBHOOK_SECRETS["grafana_hmac"].encode(), data, hashlib.sha256).hexdigest()
        headers["X-Grafana-Alerting-Signature"] = signature
    return stack.webhook("grafana", data, headers=headers)


def cloudwatch(stack, body):
    return stack.webhook("cloudwatch", body, headers={"content-type": "text/plain; charset=UTF-8"})


def outcomes(answer):
    return [alert["outcome"] for alert in answer["alerts"]]


# ------------------------------------------------------------------------------------------------ GCP
def test_a_gcp_uptime_check_failing_is_posted_with_its_host_and_recovering_resolves_it(monitoring):
    status, answer = gcp(monitoring, load("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json"))
    assert (status, outcomes(answer)) == (200, ["new"])
    (post,) = posts(monitoring)
    assert "Uptime Health Check on api-noc-users" in block(post, "alert.summary")
    assert "*gcp*" in block(post, "alert.origin") and "host `MYHOST`" in block(post, "alert.origin")

    status, answer = gcp(monitoring, load("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_closed.json"))
    assert (status, outcomes(answer)) == (200, ["resolve"])
    assert block(posts(monitoring)[0], "alert.state").startswith("Resolved by gcp")


def test_gcp_s_recovery_delivered_before_its_failure_leaves_nothing_to_post(monitoring):
    closed = gcp(monitoring, load("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_closed.json"))[1]
    opened = gcp(monitoring, load("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json"))[1]
    assert (outcomes(closed), outcomes(opened)) == (["kept"], ["stale"]), "it started before it ended"
    assert posts(monitoring) == []


def test_gcp_is_refused_without_its_token_and_nothing_is_stored(monitoring):
    body = load("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json")
    assert gcp(monitoring, body, token="guess")[0] == 401
    assert monitoring.webhook("gcp", body, secret=WEBHOOK_SECRETS["gcp"])[0] == 401, "GCP's secret is no Bearer"
    assert nothing_stored(monitoring)


# ------------------------------------------------------------------------------------------------ Alertmanager
@pytest.mark.parametrize("send, name, expected", [
    (gcp, "cloudforet-mon-webhook_gcp_webhook_v1.2_metric_threshold_open.json", ["new"]),
    (gcp, "cloudforet-mon-webhook_gcp_webhook_v1.2_metric_threshold_closed.json", ["kept"]),
    (gcp, "gcp_cloud_monitoring_webhook_v1.2_incident_closed.json", ["kept"]),
    (gcp, "gcp_stackdriver_webhook_v1.1_open_alerta_test.json", ["new"]),
    (gcp, "gcp_stackdriver_webhook_v1.1_closed_alerta_test.json", ["kept"]),
    (alertmanager, "prometheus_alertmanager_webhook_v4_alerta_test.json", ["new"]),
    (alertmanager, "prometheus_alertmanager_webhook_v4_prometheus-msteams.json", ["new"]),
    (alertmanager, "zulip_alertmanager_alert.json", ["new", "new"]),
    (alertmanager, "zulip_alertmanager_single_alert.json", ["kept"]),
], ids=lambda value: value.removesuffix(".json") if isinstance(value, str) else getattr(value, "__name__", None))
def test_each_gcp_and_alertmanager_fixture_is_taken(monitoring, send, name, expected):
    status, answer = send(monitoring, load(name))
    assert (status, outcomes(answer)) == (200, expected)
    assert len(posts(monitoring)) == expected.count("new")


def test_one_notification_with_two_firing_and_one_resolved_updates_three_alerts(monitoring):
    group = load("zulip_alertmanager_alert.json")
    third = {**copy.deepcopy(group["alerts"][0]), "fingerprint": "0123456789abcdef",
             "labels": {**group["alerts"][0]["labels"], "host": "perseus"}}
    status, answer = alertmanager(monitoring, {**group, "alerts": [*group["alerts"], third], "truncatedAlerts": 5})
    assert (status, outcomes(answer)) == (200, ["new", "new", "new"])
    assert all("Alertmanager left out 5 more alerts of this group" in block(post, "alert.summary")
               for post in posts(monitoring))

    resolved = {**third, "status": "resolved", "endsAt": "2020-02-06T00:30:00Z"}
    status, answer = alertmanager(monitoring, {**group, "alerts": [*group["alerts"], resolved]})
    assert (status, outcomes(answer)) == (200, ["repeat", "repeat", "resolve"])
    states = sorted(block(post, "alert.state")[:11] for post in posts(monitoring))
    assert states == ["Nobody has ", "Nobody has ", "Resolved by"]


def test_an_alert_firing_again_soon_after_its_resolve_reopens_the_same_post(monitoring):
    group = load("zulip_alertmanager_single_alert.json")
    fired = {**group, "status": "firing", "alerts": [{**group["alerts"][0], "status": "firing"}]}
    resolved = {**group, "alerts": [{**group["alerts"][0], "endsAt": "2020-02-06T00:20:00Z"}]}
    again = {**fired, "alerts": [{**fired["alerts"][0], "startsAt": "2020-02-06T00:25:00Z"}]}
    assert [outcomes(alertmanager(monitoring, body)[1]) for body in (fired, resolved, again)] == [
        ["new"], ["resolve"], ["reopen"]]
    (post,) = posts(monitoring)
    assert block(post, "alert.state") == "Nobody has acknowledged this yet" and "seen 2 times" in block(
        post, "alert.origin")


def test_alertmanager_is_refused_without_its_secret_and_nothing_is_stored(monitoring):
    assert alertmanager(monitoring, load("zulip_alertmanager_alert.json"), secret="guess")[0] == 401
    assert alertmanager(monitoring, load("zulip_alertmanager_alert.json"), secret=WEBHOOK_SECRETS["gcp"])[0] == 401
    assert nothing_stored(monitoring)


# ------------------------------------------------------------------------------------------------ Grafana
@pytest.mark.parametrize("names, expected", [
    (["grafana_legacy_alerting_webhook_alerting.json", "grafana_legacy_alerting_webhook_ok.json"],
     [["new"], ["resolve"]]),
    (["zulip_grafana_alert-9.json", "zulip_grafana_alert-9-resolved.json"], [["new"], ["resolve"]]),
    (["zulip_grafana_alert-9-mixed.json"], [["kept", "kept", "new"]]),
    (["zulip_grafana_alert_no_alertname_v11.json", "zulip_grafana_alert_values_v11.json"], [["new"], ["repeat"]]),
    (["zulip_grafana_alert_paused_v7.json", "zulip_grafana_alert_pending.json", "zulip_grafana_no_data_alert_v7.json"],
     [["kept"], [], ["new"]]),
])
def test_each_grafana_fixture_is_taken_in_either_format(monitoring, names, expected):
    for name, outcome in zip(names, expected, strict=True):
        status, answer = grafana(monitoring, load(name))
        assert (status, outcomes(answer)) == (200, outcome), name


def test_grafana_needs_both_its_password_and_its_signature_when_both_are_set(monitoring):
    body = load("zulip_grafana_alert-9.json")
    assert grafana(monitoring, body, password="guess")[0] == 401
    assert grafana(monitoring, body, signed=False)[0] == 401
    assert nothing_stored(monitoring)


# ------------------------------------------------------------------------------------------------ CloudWatch via SNS
@pytest.mark.parametrize("name", RUBY)
def test_messages_sns_signed_pass_its_signature_check(sns, name):
    status, answer = cloudwatch(sns, load(name))
    assert status == 400 and "not a CloudWatch alarm" in answer["error"], "believed, then read: not an alarm"


@pytest.mark.parametrize("change", [
    {"Message": "Hello world!"},
    {"SigningCertURL": "https://my-bucket.s3.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"},
    {"SigningCertURL": "https://sns.us-east-2.amazonaws.com/uploads/SimpleNotificationService-7ff5.pem"},
    {"TopicArn": "arn:aws:sns:us-east-2:295079676684:someone-elses-topic"},
])
def test_a_tampered_message_a_foreign_certificate_or_an_unlisted_topic_is_refused(sns, change):
    status, answer = cloudwatch(sns, {**load(RUBY[0]), **change})
    assert status == 401 and nothing_stored(sns), answer


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_cloudwatch_alarm_is_posted_and_its_ok_resolves_it(sns, version):
    alarm = signer().sign(load("aws_cloudwatch_alarm_via_sns_http_notification_ALARM.json"), version)
    status, answer = cloudwatch(sns, alarm)
    assert (status, outcomes(answer)) == (200, ["new"])
    (post,) = posts(sns)
    assert "bucketbytesAlarm" in block(post, "alert.summary") and "*cloudwatch*" in block(post, "alert.origin")

    ok = json.loads(alarm["Message"]) | {"NewStateValue": "OK", "StateChangeTime": "2019-02-16T00:10:00.000+0000"}
    status, answer = cloudwatch(sns, signer().sign({**alarm, "Message": json.dumps(ok)}, version))
    assert (status, outcomes(answer)) == (200, ["resolve"])
    assert block(posts(sns)[0], "alert.state").startswith("Resolved by cloudwatch")


@pytest.mark.parametrize("name, expected", [
    ("aws_cloudwatch_alarm_via_sns_http_notification_INSUFFICIENT_DATA.json", []),
    ("cloudforet-aws-sns-mon-webhook_cloudwatch_alarm_via_sns_http_ALARM.json", ["new"]),
    ("cloudforet-aws-sns-mon-webhook_cloudwatch_alarm_via_sns_http_OK.json", ["kept"]),
])
def test_each_cloudwatch_fixture_is_taken(sns, name, expected):
    status, answer = cloudwatch(sns, signer().sign(load(name)))
    assert (status, outcomes(answer)) == (200, expected)


def test_a_subscription_to_an_allowed_topic_is_confirmed_at_sns_s_own_link(sns):
    confirmation = load("aws_sns_http_subscription_confirmation.json")
    status, answer = cloudwatch(sns, signer().sign(confirmation))
    assert status == 200 and answer == {"subscription": "confirmed", "topic": confirmation["TopicArn"]}
    assert sns.sns_confirmations() == [urlsplit(confirmation["SubscribeURL"]).query]


def test_a_subscription_as_it_came_is_not_confirmed_its_certificate_is_not_ours(sns):
    status, _ = cloudwatch(sns, load("aws_sns_http_subscription_confirmation.json"))
    assert status == 401 and sns.sns_confirmations() == []


@pytest.mark.parametrize("name", ["aws-lambda-go_sns-event.json",
                                  "aws-lambda-go_cloudwatch-alarm-sns-payload-single-metric.json",
                                  "aws-lambda-go_cloudwatch-alarm-sns-payload-multiple-metrics.json"])
def test_sns_to_lambda_events_are_not_http_deliveries(sns, name):
    status, answer = cloudwatch(sns, load(name))
    assert status == 400 and "not what Amazon SNS sends" in answer["error"] and nothing_stored(sns)


# ------------------------------------------------------------------------------------------------ event times
def _generic(stack, body):
    return stack.webhook("generic", body, secret=WEBHOOK_SECRETS["generic"])


def _gcp_in_milliseconds(name):
    payload = copy.deepcopy(load(name))
    for moment in ("started_at", "ended_at"):
        if payload["incident"].get(moment):
            payload["incident"][moment] *= 1000  # a sender's bug: milliseconds where GCP sends seconds
    return payload


def _alertmanager_at(status, starts_at):
    payload = copy.deepcopy(load("prometheus_alertmanager_webhook_v4_alerta_test.json"))
    payload["status"] = payload["alerts"][0]["status"] = status
    payload["alerts"][0].update(startsAt=starts_at, endsAt="0001-01-01T00:00:00Z")
    return payload


@pytest.mark.parametrize("send, firing, resolving", [
    (_generic, {"title": "disk full on db-7", "dedup_key": "disk-db-7", "occurred_at": "9999-12-31T23:59:59-14:00"},
     {"title": "disk full on db-7", "dedup_key": "disk-db-7", "status": "resolved"}),
    (_generic, {"title": "disk full on db-7", "dedup_key": "disk-db-7", "occurred_at": "2999-01-01T00:00:00Z"},
     {"title": "disk full on db-7", "dedup_key": "disk-db-7", "status": "resolved"}),
    (gcp, _gcp_in_milliseconds("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json"),
     _gcp_in_milliseconds("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_closed.json")),
    (alertmanager, _alertmanager_at("firing", "9999-12-31T23:59:59Z"),
     _alertmanager_at("resolved", "9999-12-31T23:59:59Z")),
], ids=["generic-last-datetime", "generic-year-2999", "gcp-milliseconds", "alertmanager-last-datetime"])
def test_an_alert_dated_past_now_is_taken_as_now_and_its_source_s_resolve_lands(monitoring, send, firing, resolving):
    # Such a time answered 500 (the stored state's expiry overflowed, or GCP's seconds did) - the source retried
    # for ever - or, kept as sent, made every later event of its key stale, so the resolve never landed.
    status, answer = send(monitoring, firing)
    assert (status, outcomes(answer)) == (200, ["new"]), answer
    status, answer = send(monitoring, resolving)
    assert (status, outcomes(answer)) == (200, ["resolve"]), answer
    (post,) = posts(monitoring)
    assert block(post, "alert.state").startswith("Resolved by") and monitoring.dead_letters() == []
