"""SNS deliveries: only what SNS signed, with a certificate on SNS's own hosts, is believed.

The signed messages and certificate are aws-sdk-ruby's own verifier fixtures; the certificate was valid
from 2021-09-07 to 2022-08-17, so the clock is pinned inside that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from klaxon.monitoring import sns
from klaxon.monitoring.payloads import PayloadError
from tests.payloads import FIXTURES, fixture

SIGNED_AT = datetime(2022, 7, 28, 21, 30, tzinfo=UTC)
SIGNED = ["aws-sdk-ruby_sns_notification_signature_v1.json", "aws-sdk-ruby_sns_notification_signature_v2_sha256.json",
          "aws-sdk-ruby_sns_notification_lambda_style_keys.json"]


class ServedLocally:
    """The fixture's certificate, whatever URL is asked for (tests never fetch from AWS)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def pem(self, url: str) -> bytes:
        self.asked.append(url)
        return (FIXTURES / "monitoring" / "aws-sdk-ruby_sns_signing_cert.pem").read_bytes()


def signed(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = fixture(f"monitoring/{name}")
    return payload


@pytest.mark.parametrize("name", SIGNED)
def test_a_message_sns_signed_is_believed(name: str) -> None:
    certificates = ServedLocally()
    sns.verify(sns.envelope(signed(name)), certificates, SIGNED_AT)
    assert certificates.asked == [signed(name).get("SigningCertURL") or signed(name)["SigningCertUrl"]]


@pytest.mark.parametrize("name", SIGNED)
@pytest.mark.parametrize("field", ["Message", "MessageId", "Timestamp", "TopicArn"])
def test_a_tampered_message_is_refused(name: str, field: str) -> None:
    payload = signed(name)
    tampered = {"Message": payload["Message"] + "!", "MessageId": payload["MessageId"].replace("7", "8"),
                "Timestamp": payload["Timestamp"].replace("T21", "T22"),
                "TopicArn": payload["TopicArn"].replace("publish", "publisher")}
    assert tampered[field] != payload[field]
    payload[field] = tampered[field]
    with pytest.raises(sns.NotAuthentic, match="does not match"):
        sns.verify(sns.envelope(payload), ServedLocally(), SIGNED_AT)


def test_a_subject_added_by_someone_else_breaks_the_signature() -> None:
    payload = signed(SIGNED[0]) | {"Subject": "ALARM: pay attention"}
    with pytest.raises(sns.NotAuthentic):
        sns.verify(sns.envelope(payload), ServedLocally(), SIGNED_AT)


@pytest.mark.parametrize("url", [
    "https://my-bucket.s3.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
    "https://s3.us-east-2.amazonaws.com/sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5.pem",
    "https://storage.googleapis.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
    "http://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
    "https://sns.us-east-2.amazonaws.com.attacker.net/SimpleNotificationService-7ff5.pem",
    "https://attacker.net/sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5.pem",
    "https://sns.us-east-2.amazonaws.com:8443/SimpleNotificationService-7ff5.pem",
    "https://user@sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5.pem",
    "https://sns.us-east-2.amazonaws.com/uploads/SimpleNotificationService-7ff5.pem",
    "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5.pem?download=1",
    "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5.pem#x",
    "https://sns.us-east-2.amazonaws.com/evil.pem",
])
def test_a_certificate_anywhere_but_sns_s_own_path_is_refused_before_it_is_fetched(url: str) -> None:
    certificates = ServedLocally()
    payload = signed(SIGNED[1]) | {"SigningCertURL": url}
    with pytest.raises(sns.NotAuthentic):
        sns.verify(sns.envelope(payload), certificates, SIGNED_AT)
    assert certificates.asked == []


def test_sns_hosts_in_every_partition_are_accepted() -> None:
    for url in ("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem",
                "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123abcd.pem"):
        sns.check_certificate_url(url)


@pytest.mark.parametrize("moment", [datetime(2021, 9, 1, tzinfo=UTC), datetime(2022, 8, 18, tzinfo=UTC)])
def test_a_certificate_outside_its_validity_is_refused(moment: datetime) -> None:
    with pytest.raises(sns.NotAuthentic, match="not valid now"):
        sns.verify(sns.envelope(signed(SIGNED[0])), ServedLocally(), moment)


@pytest.mark.parametrize(("change", "problem"), [
    ({"SignatureVersion": "3"}, "SignatureVersion"),
    ({"Signature": "not base64!"}, "not base64"),
])
def test_signatures_sns_does_not_make_are_refused(change: dict[str, str], problem: str) -> None:
    with pytest.raises(sns.NotAuthentic, match=problem):
        sns.verify(sns.envelope(signed(SIGNED[0]) | change), ServedLocally(), SIGNED_AT)


def test_a_certificate_that_is_not_one_is_refused() -> None:
    class Garbage:
        def pem(self, url: str) -> bytes:
            return b"<html>hello</html>"

    with pytest.raises(sns.NotAuthentic, match="not a PEM"):
        sns.verify(sns.envelope(signed(SIGNED[0])), Garbage(), SIGNED_AT)


def test_a_subscription_confirmation_signs_its_subscribe_url_and_token() -> None:
    confirmation = sns.envelope(fixture("monitoring/aws_sns_http_subscription_confirmation.json"))
    assert confirmation.Type is sns.Delivery.SUBSCRIPTION_CONFIRMATION
    signed_text = confirmation.string_to_sign().decode()
    assert signed_text.startswith("Message\nYou have chosen to subscribe")
    assert "\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription" in signed_text
    assert signed_text.endswith("TopicArn\narn:aws:sns:eu-west-1:1234567890:alerta-test\n"
                                "Type\nSubscriptionConfirmation\n")


@pytest.mark.parametrize(("change", "problem"), [
    ({"Type": "Gossip"}, "Type"),
    ({"TopicArn": "arn:aws:s3:::bucket"}, "TopicArn"),
    ({"Timestamp": "last tuesday"}, "Timestamp"),
    ({"Message": None}, "Message"),
])
def test_an_envelope_that_is_not_sns_s_is_refused_naming_the_field(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(PayloadError, match=problem):
        sns.envelope(signed(SIGNED[0]) | change)
