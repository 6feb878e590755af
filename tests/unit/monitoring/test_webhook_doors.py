"""Each source's door, on the webhooks function's own resolver in-process: who may send (Bearer, basic auth,
GCP's ?token=, Grafana's HMAC, SNS's signature and topic allow-list), and the answers - 401 with nothing taken,
400 naming the problem, 413 over 256 KB, 503 when SNS cannot be reached to check a delivery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.external import SOURCES, ExternalStatus
from klaxon.configuration.model import InsufficientData, Preferences
from klaxon.monitoring.sns import Unavailable
from klaxon.web import SOURCE_ROUTERS
from tests.payloads import fixture
from tests.sns_signing import signer
from tests.webhooks import LocalSns, request, serve

SECRET = "s3cret"
BASIC = "Basic " + base64.b64encode(f"klaxon:{SECRET}".encode()).decode()
SIGNED_AT = datetime(2022, 7, 28, 21, 30, tzinfo=UTC)  # inside the aws-sdk-ruby certificate's validity
ALARM = fixture("monitoring/aws_cloudwatch_alarm_via_sns_http_notification_ALARM.json")
ALLOWED = frozenset({ALARM["TopicArn"]})


def body(name: str) -> str:
    return json.dumps(fixture(f"monitoring/{name}"))


AM = body("zulip_alertmanager_alert.json")
GCP = body("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json")
GRAFANA = body("zulip_grafana_alert-9.json")


def test_every_source_spec_names_has_a_route():
    assert set(SOURCE_ROUTERS) == set(SOURCES)


# ------------------------------------------------------------------------------------------------ header secrets
@pytest.mark.parametrize("source, payload", [("alertmanager", AM), ("generic", '{"title": "x"}'),
                                             ("grafana", GRAFANA)])
@pytest.mark.parametrize("authorization", [f"Bearer {SECRET}", BASIC, f"bearer  {SECRET} "])
def test_sources_that_set_headers_send_a_bearer_secret_or_basic_auth(source, payload, authorization):
    served = serve(request(f"/webhooks/{source}", payload, authorization), {source: SECRET})
    assert served.status == 200 and served.taken


@pytest.mark.parametrize("source, payload", [("alertmanager", AM), ("generic", '{"title": "x"}'),
                                             ("grafana", GRAFANA)])
@pytest.mark.parametrize("authorization, why", [
    (None, "send the source's secret"), ("Bearer wrong", "wrong secret"),
    ("Basic " + base64.b64encode(b"klaxon:wrong").decode(), "wrong secret"), ("Basic not-base64!", "basic auth"),
    ("Token s3cret", "send the source's secret"),
])
def test_a_missing_or_wrong_secret_is_refused_and_nothing_taken(source, payload, authorization, why):
    served = serve(request(f"/webhooks/{source}", payload, authorization), {source: SECRET})
    assert served.status == 401 and why in served.answer["error"] and served.taken == []


@pytest.mark.parametrize("source", ["alertmanager", "generic", "grafana", "gcp"])
def test_a_source_without_a_secret_accepts_nothing(source):
    served = serve(request(f"/webhooks/{source}", "{}", f"Bearer {SECRET}"), {"other": SECRET})
    assert served.status == 401 and "has no secret set" in served.answer["error"]


def test_gcp_sends_its_secret_as_a_token_in_the_url_or_as_basic_auth():
    assert serve(request("/webhooks/gcp", GCP, None, query={"token": SECRET}), {"gcp": SECRET}).status == 200
    assert serve(request("/webhooks/gcp", GCP, BASIC), {"gcp": SECRET}).status == 200
    wrong = serve(request("/webhooks/gcp", GCP, None, query={"token": "guess"}), {"gcp": SECRET})
    assert wrong.status == 401 and wrong.taken == []
    for authorization in (None, f"Bearer {SECRET}", "Basic not-base64!"):
        refused = serve(request("/webhooks/gcp", GCP, authorization), {"gcp": SECRET})
        assert refused.status == 401 and "basic auth's password" in refused.answer["error"] and refused.taken == []
    wrong_password = serve(request("/webhooks/gcp", GCP, "Basic " + base64.b64encode(b"gcp:guess").decode()),
                           {"gcp": SECRET})
    assert wrong_password.status == 401 and wrong_password.answer["error"] == "wrong secret"


# ------------------------------------------------------------------------------------------------ bodies
@pytest.mark.parametrize("source, secrets", [("alertmanager", {}), ("gcp", {}), ("grafana", {})])
@pytest.mark.parametrize("payload, named", [
    ('{"alerts": [', "Invalid JSON: Expecting value"),
    ("[" * 100_000, "Invalid JSON: nested too deep"),
    (b'{"title": "\xc3\x28"}', "Invalid JSON: the body is not UTF-8"),
    ("[]", "expected a JSON object"),
])
def test_a_body_that_is_not_the_source_s_json_gets_400_naming_the_problem(source, secrets, payload, named):
    query = {"token": SECRET} if source == "gcp" else None
    event = request(f"/webhooks/{source}", payload, f"Bearer {SECRET}", query=query,
                    encoded=isinstance(payload, bytes))  # API Gateway base64-encodes what is not text
    served = serve(event, {source: SECRET})
    assert served.status == 400 and named in served.answer["error"] and served.taken == []


@pytest.mark.parametrize("source, payload, named", [
    ("alertmanager", '{"alerts": []}', "alerts: List should have at least 1 item"),
    ("gcp", '{"incident": {"incident_id": "1", "state": "maybe"}}', "incident.state"),
    ("grafana", '{"title": "x"}', "neither `alerts`"),
])
def test_a_body_missing_what_the_source_always_sends_gets_400_naming_the_field(source, payload, named):
    query = {"token": SECRET} if source == "gcp" else None
    served = serve(request(f"/webhooks/{source}", payload, f"Bearer {SECRET}", query=query), {source: SECRET})
    assert served.status == 400 and named in served.answer["error"], served.answer


@pytest.mark.parametrize("source", ["alertmanager", "gcp", "grafana", "cloudwatch", "generic"])
def test_a_body_over_256_kb_gets_413_before_credentials_or_parsing(source):
    served = serve(request(f"/webhooks/{source}", "x" * (256 * 1024 + 1), None), {source: SECRET})
    assert served.status == 413 and "256 KB" in served.answer["error"]


# ------------------------------------------------------------------------------------------------ grafana's HMAC
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def signature(payload: str, key: str = "hmac-key", stamp: str | None = None) -> str:
    signed = f"{stamp}:{payload}" if stamp else payload
    return hmac.new(key.encode(), signed.encode(), hashlib.sha256).hexdigest()


def test_grafana_s_hmac_of_the_body_is_enough_when_only_it_is_configured():
    event = request("/webhooks/grafana", GRAFANA, None, headers={"X-Grafana-Alerting-Signature": signature(GRAFANA)})
    assert serve(event, {"grafana_hmac": "hmac-key"}, now=NOW).status == 200
    tampered = request("/webhooks/grafana", GRAFANA.replace("firing", "resolved"), None,
                       headers={"X-Grafana-Alerting-Signature": signature(GRAFANA)})
    refused = serve(tampered, {"grafana_hmac": "hmac-key"}, now=NOW)
    assert refused.status == 401 and "does not match" in refused.answer["error"] and refused.taken == []
    unsigned = serve(request("/webhooks/grafana", GRAFANA, None), {"grafana_hmac": "hmac-key"}, now=NOW)
    assert unsigned.status == 401 and "X-Grafana-Alerting-Signature header is missing" in unsigned.answer["error"]


def test_with_a_timestamp_header_grafana_signs_timestamp_and_body_and_an_old_one_is_a_replay():
    stamp = str(int(NOW.timestamp()) - 60)
    headers = {"X-Grafana-Alerting-Signature": signature(GRAFANA, stamp=stamp), "X-Grafana-Alerting-Timestamp": stamp}
    event = request("/webhooks/grafana", GRAFANA, None, headers=headers)
    secrets = {"grafana_hmac": "hmac-key"}
    assert serve(event, secrets, now=NOW, timestamp_header="X-Grafana-Alerting-Timestamp").status == 200
    replayed = serve(event, secrets, now=NOW + timedelta(minutes=10), timestamp_header="X-Grafana-Alerting-Timestamp")
    assert replayed.status == 401 and "not recent" in replayed.answer["error"]
    body_alone = request("/webhooks/grafana", GRAFANA, None, headers={"X-Grafana-Alerting-Signature":
                                                                      signature(GRAFANA)})
    assert serve(body_alone, secrets, now=NOW, timestamp_header="X-Grafana-Alerting-Timestamp").status == 401


@pytest.mark.parametrize("stamp", ["\u00b2", "\u0661\u0668\u0660\u0660", "9" * 5000, "-60", ""])
def test_a_grafana_timestamp_that_is_not_plain_digits_is_refused_with_401_not_a_server_error(stamp):
    headers = {"X-Grafana-Alerting-Signature": signature(GRAFANA, stamp=stamp), "X-Grafana-Alerting-Timestamp": stamp}
    event = request("/webhooks/grafana", GRAFANA, None, headers=headers)
    refused = serve(event, {"grafana_hmac": "hmac-key"}, now=NOW, timestamp_header="X-Grafana-Alerting-Timestamp")
    assert refused.status == 401 and "not recent" in refused.answer["error"] and refused.taken == []


def test_with_both_grafana_secrets_set_both_must_pass():
    secrets = {"grafana": SECRET, "grafana_hmac": "hmac-key"}
    signed = {"X-Grafana-Alerting-Signature": signature(GRAFANA)}
    assert serve(request("/webhooks/grafana", GRAFANA, f"Bearer {SECRET}", headers=signed), secrets).status == 200
    assert serve(request("/webhooks/grafana", GRAFANA, None, headers=signed), secrets).status == 401
    assert serve(request("/webhooks/grafana", GRAFANA, f"Bearer {SECRET}"), secrets).status == 401


# ------------------------------------------------------------------------------------------------ SNS
def cloudwatch(payload: dict, sns: LocalSns, topics: frozenset[str] = ALLOWED, **kwargs):
    return serve(request("/webhooks/cloudwatch", json.dumps(payload), None), {}, sns=sns, topics=topics,
                 now=SIGNED_AT, **kwargs)


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_alarm_from_an_allowed_topic_is_taken(version):
    sns = LocalSns(signer().pem)
    served = cloudwatch(signer().sign(ALARM, version), sns)
    assert served.status == 200 and [e.title for e in served.taken] == ["bucketbytesAlarm"]
    assert sns.asked == [ALARM["SigningCertURL"]]


@pytest.mark.parametrize("name", ["aws-sdk-ruby_sns_notification_signature_v1.json",
                                  "aws-sdk-ruby_sns_notification_signature_v2_sha256.json"])
def test_sns_s_own_signed_messages_pass_the_door_and_are_then_not_an_alarm(name):
    message = fixture(f"monitoring/{name}")
    served = cloudwatch(message, LocalSns(), topics=frozenset({message["TopicArn"]}))
    assert served.status == 400 and "not a CloudWatch alarm" in served.answer["error"]


def test_an_unlisted_topic_is_refused_before_any_certificate_is_fetched():
    sns = LocalSns(signer().pem)
    served = cloudwatch(signer().sign(ALARM), sns, topics=frozenset())
    assert served.status == 401 and "is not in SNS_TOPIC_ARNS" in served.answer["error"]
    assert sns.asked == [] and served.taken == []


@pytest.mark.parametrize("change", [
    {"Message": ALARM["Message"].replace("ALARM", "OK")},
    {"SigningCertURL": "https://alerts.s3.amazonaws.com/SimpleNotificationService-eaea6120e66ea12e88dcd8bcbddca752.pem"},
    {"SigningCertURL": "https://sns.eu-west-1.amazonaws.com/certs/SimpleNotificationService-eaea6120.pem"},
])
def test_a_tampered_message_or_a_certificate_off_sns_s_hosts_is_refused(change):
    sns = LocalSns(signer().pem)
    served = cloudwatch({**signer().sign(ALARM), **change}, sns)
    assert served.status == 401 and served.taken == []
    assert sns.asked in ([], [ALARM["SigningCertURL"]]), "nothing but SNS's own URL is ever fetched"


def test_insufficient_data_does_what_the_workspace_chose():
    alarm = fixture("monitoring/aws_cloudwatch_alarm_via_sns_http_notification_INSUFFICIENT_DATA.json")
    sns = LocalSns(signer().pem)
    ignored = cloudwatch(signer().sign(alarm), sns, topics=frozenset({alarm["TopicArn"]}))
    assert ignored.status == 200 and ignored.taken == []
    fired = cloudwatch(signer().sign(alarm), sns, topics=frozenset({alarm["TopicArn"]}),
                       preferences=lambda: Preferences(insufficient_data=InsufficientData.FIRE))
    assert [e.status for e in fired.taken] == [ExternalStatus.FIRING]


CONFIRMATION = fixture("monitoring/aws_sns_http_subscription_confirmation.json")


def test_a_subscription_to_an_allowed_topic_is_confirmed_by_visiting_sns_s_own_link():
    sns = LocalSns(signer().pem)
    served = cloudwatch(signer().sign(CONFIRMATION), sns)
    assert served.status == 200 and served.answer == {"subscription": "confirmed", "topic": CONFIRMATION["TopicArn"]}
    assert sns.confirmed == [CONFIRMATION["SubscribeURL"]]


@pytest.mark.parametrize("change, topics", [
    ({}, frozenset()),  # an unlisted topic
    ({"SubscribeURL": "https://attacker.example/?Action=ConfirmSubscription"}, ALLOWED),
    ({"SubscribeURL": CONFIRMATION["SubscribeURL"].replace("alerta-test", "other-topic")}, ALLOWED),
    ({"SubscribeURL": CONFIRMATION["SubscribeURL"].replace("ConfirmSubscription", "Unsubscribe")}, ALLOWED),
])
def test_a_subscription_is_confirmed_only_for_an_allowed_topic_at_sns_s_own_link(change, topics):
    sns = LocalSns(signer().pem)
    served = cloudwatch(signer().sign({**CONFIRMATION, **change}), sns, topics=topics)
    assert served.status == 401 and sns.confirmed == []


def test_an_unsigned_confirmation_is_never_visited():
    sns = LocalSns(signer().pem)
    served = cloudwatch(CONFIRMATION, sns)  # signed with a certificate nobody kept: it does not verify here
    assert served.status == 401 and sns.confirmed == []


def test_when_sns_cannot_be_reached_the_delivery_is_answered_503_for_sns_to_retry():
    class Down(LocalSns):
        def pem(self, url: str) -> bytes:
            raise Unavailable("connection refused")

    served = cloudwatch(signer().sign(ALARM), Down())
    assert served.status == 503 and "connection refused" in served.answer["error"] and served.taken == []


def test_an_envelope_that_is_not_sns_s_gets_400_naming_the_field():
    served = cloudwatch({**ALARM, "Type": "Gossip"}, LocalSns())
    assert served.status == 400 and "Type" in served.answer["error"]
