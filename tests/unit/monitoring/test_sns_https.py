"""The adapter that reaches SNS over https: only SNS's own URLs, cached per container, capped, no redirects,
a fault as Unavailable (SNS retries), and the local cloud's mirror standing in for SNS on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from klaxon.monitoring.sns import NotAuthentic, Unavailable
from klaxon.settings import Settings, SettingsError
from klaxon.web.sns_https import MAX_CERTIFICATE_BYTES, SnsOverHttps

CERT_URL = "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"
SUBSCRIBE_URL = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1:1:t&Token=ab"

REDIRECT, HUGE = "00dead", "00b16b16"  # certificate names the test site answers oddly


class Site(BaseHTTPRequestHandler):
    """A loopback web server: certificates under /certificates/, a redirect, a huge file; it logs what it served."""

    served: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Site.served.append(self.path)
        if self.path == f"/local/certificates/SimpleNotificationService-{REDIRECT}.pem":
            self.send_response(302)
            self.send_header("Location", "https://attacker.example/evil.pem")
            self.end_headers()
            return
        size = MAX_CERTIFICATE_BYTES + 1 if HUGE in self.path else 5
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(b"x" * size)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def mirror() -> Iterator[str]:
    Site.served = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/local/"
    server.shutdown()
    server.server_close()


def test_a_certificate_is_fetched_once_per_container_from_the_mirror_standing_in_for_sns(mirror):
    sns = SnsOverHttps(mirror=mirror)
    assert sns.pem(CERT_URL) == b"xxxxx" and sns.pem(CERT_URL) == b"xxxxx"
    assert Site.served == ["/local/certificates/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"]


def test_a_confirmation_visits_the_mirror_with_sns_s_own_query(mirror):
    SnsOverHttps(mirror=mirror).confirm(SUBSCRIBE_URL)
    assert Site.served == ["/local/confirm?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1:1:t&Token=ab"]


@pytest.mark.parametrize("name", [REDIRECT, HUGE])
def test_a_redirect_or_an_oversized_answer_is_not_a_certificate(mirror, name):
    with pytest.raises(Unavailable):
        SnsOverHttps(mirror=mirror).pem(f"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-{name}.pem")
    assert not any("attacker" in path for path in Site.served)


def test_nothing_but_sns_s_certificate_urls_is_ever_fetched(mirror):
    with pytest.raises(NotAuthentic):
        SnsOverHttps(mirror=mirror).pem("https://my-bucket.s3.amazonaws.com/SimpleNotificationService-1.pem")
    assert Site.served == []


def test_an_unreachable_sns_is_unavailable_not_a_crash():
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(Unavailable, match="connection refused"):
        SnsOverHttps(opener=refused).pem(CERT_URL)


@pytest.mark.parametrize("mirror", ["http://10.0.0.8/_local/sns/", "https://sns.example.com/", "file:///tmp/"])
def test_the_mirror_can_only_be_on_this_machine(mirror):
    with pytest.raises(SettingsError, match="SNS_LOCAL_MIRROR"):
        Settings.from_env({"TABLE_NAME": "t", "SNS_LOCAL_MIRROR": mirror})


def test_the_allowed_topics_are_sns_topic_arns():
    settings = Settings.from_env({"TABLE_NAME": "t", "SNS_TOPIC_ARNS": "arn:aws:sns:eu-west-1:123456789012:alarms, "
                                                                        "arn:aws-cn:sns:cn-north-1:123456789012:x"})
    assert settings.sns_topic_arns == {"arn:aws:sns:eu-west-1:123456789012:alarms",
                                       "arn:aws-cn:sns:cn-north-1:123456789012:x"}
    with pytest.raises(SettingsError, match="not an SNS topic ARN"):
        Settings.from_env({"TABLE_NAME": "t", "SNS_TOPIC_ARNS": "arn:aws:s3:::bucket"})
