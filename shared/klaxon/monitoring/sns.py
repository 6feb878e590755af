"""Amazon SNS HTTP(S) deliveries: the envelope, and the check that SNS really sent it.

SNS signs every message it delivers (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
the string to sign is chosen fields as `name\\nvalue\\n`, signed with RSA PKCS#1 v1.5 over SHA-1
(SignatureVersion 1) or SHA-256 (SignatureVersion 2) by the key of the certificate at `SigningCertURL`.
Anyone can sign a message with a certificate of their own, so the URL must be SNS's: https, on
`sns.<region>.amazonaws.com` (`.amazonaws.com.cn` in China), path `/SimpleNotificationService-<hex>.pem`, and
nothing else (no port, user, query or fragment). Certificates hosted in storage buckets are refused by that.

Klaxon believes a delivery only from a topic the deployment allows (SNS_TOPIC_ARNS) and only once its signature
checks out (`admit`); a SubscriptionConfirmation is then confirmed by visiting its SubscribeURL, which must be
SNS's own ConfirmSubscription link for that very topic and token (`subscribe_url`), never anything else
(https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import AliasChoices, Field, field_validator

from klaxon.monitoring.payloads import SourceModel, validated
from klaxon.settings import TOPIC_ARN

_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]{1,40}\.amazonaws\.com(\.cn)?$")
_CERT_PATH = re.compile(r"^/SimpleNotificationService-[0-9a-f]{1,64}\.pem$")
_SNS_NAME = "sns.amazonaws.com"


class Delivery(StrEnum):
    NOTIFICATION = "Notification"
    SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
    UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"


class NotAuthentic(Exception):
    """The message was not signed by SNS (or cannot be shown to be); the message says why, for the log."""


class Unavailable(Exception):
    """A certificate or a SubscribeURL could not be fetched now (a network fault or an SNS outage): the delivery
    is to be retried later, not refused."""


class Envelope(SourceModel):
    """An SNS HTTP(S) delivery. Lambda-style key casing (`SigningCertUrl`) is accepted too."""

    Type: Delivery
    MessageId: str = Field(min_length=1, max_length=100)
    TopicArn: str = Field(pattern=TOPIC_ARN.pattern)
    Message: str = Field(max_length=262_144)
    Timestamp: str = Field(max_length=64)  # kept as sent: re-formatting it would break the signature
    SignatureVersion: str
    Signature: str = Field(min_length=1, max_length=4096)
    SigningCertURL: str = Field(validation_alias=AliasChoices("SigningCertURL", "SigningCertUrl"), max_length=2048)
    Subject: str | None = None
    SubscribeURL: str | None = Field(default=None, validation_alias=AliasChoices("SubscribeURL", "SubscribeUrl"))
    Token: str | None = None

    def string_to_sign(self) -> bytes:
        """The fields SNS signs, in its order, each as `name\\nvalue\\n` (a Subject only when present)."""
        if self.Type is Delivery.NOTIFICATION:
            names = ["Message", "MessageId", *(["Subject"] if self.Subject is not None else []), "Timestamp",
                     "TopicArn", "Type"]
        else:
            names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        return "".join(f"{name}\n{getattr(self, name)}\n" for name in names).encode()

    @field_validator("Timestamp")
    @classmethod
    def _a_time(cls, value: str) -> str:
        datetime.fromisoformat(value)  # ValueError (a validation error) if it is not ISO 8601
        return value

    @property
    def sent_at(self) -> datetime:
        """When SNS sent it."""
        return datetime.fromisoformat(self.Timestamp)


def envelope(payload: Any) -> Envelope:
    """The SNS envelope of a delivery; PayloadError if the body is not one."""
    return validated(Envelope, payload, "Amazon SNS")


class Certificates(Protocol):
    """Signing certificates by URL (fetched over https and cached per container by the adapter)."""

    def pem(self, url: str) -> bytes:
        """The PEM at `url` (one check_certificate_url accepted); Unavailable when it cannot be fetched now."""
        ...


class Subscriptions(Protocol):
    """Confirming an HTTP(S) subscription: visiting the SubscribeURL SNS sent (an https GET)."""

    def confirm(self, url: str) -> None:
        """Visit `url` (one subscribe_url accepted); Unavailable when SNS cannot be reached now."""
        ...


def admit(message: Envelope, topics: frozenset[str], certificates: Certificates, now: datetime) -> None:
    """Raise NotAuthentic unless `message` comes from an allowed topic and SNS signed it (in that order: a
    topic nobody allowed costs no certificate fetch)."""
    if message.TopicArn not in topics:
        raise NotAuthentic(f"topic {message.TopicArn} is not in SNS_TOPIC_ARNS")
    verify(message, certificates, now)


def subscribe_url(message: Envelope) -> str:
    """The SubscribeURL of an admitted SubscriptionConfirmation, once it is shown to be SNS's own
    ConfirmSubscription link for the message's topic and token; NotAuthentic otherwise."""
    url = message.SubscribeURL or ""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.username or parts.password or parts.port or parts.fragment \
            or not _SNS_HOST.match(parts.hostname or "") or parts.path not in ("", "/"):
        raise NotAuthentic("the SubscribeURL is not an https link to SNS")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    expected = {"Action": "ConfirmSubscription", "TopicArn": message.TopicArn, "Token": message.Token or ""}
    if any(query.get(name) != value for name, value in expected.items()) or not message.Token:
        raise NotAuthentic("the SubscribeURL does not confirm this topic's subscription")
    return url


def check_certificate_url(url: str) -> None:
    """Refuse a signing certificate URL that is not SNS's own (NotAuthentic says which part is wrong)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise NotAuthentic(f"the signing certificate URL is not https: {parts.scheme or 'no scheme'}")
    if parts.username or parts.password or parts.port or not _SNS_HOST.match(parts.hostname or ""):
        raise NotAuthentic(f"the signing certificate is not on an SNS host: {parts.netloc[:100]}")
    if not _CERT_PATH.match(parts.path) or parts.query or parts.fragment:
        raise NotAuthentic("the signing certificate URL is not SNS's certificate path")


def verify(message: Envelope, certificates: Certificates, now: datetime) -> None:
    """Raise NotAuthentic unless SNS signed `message` with a certificate valid at `now`."""
    check_certificate_url(message.SigningCertURL)
    algorithm: hashes.HashAlgorithm
    if message.SignatureVersion == "1":
        algorithm = hashes.SHA1()  # noqa: S303 - SNS's SignatureVersion 1 is SHA1withRSA by definition
    elif message.SignatureVersion == "2":
        algorithm = hashes.SHA256()
    else:
        raise NotAuthentic(f"unknown SignatureVersion {message.SignatureVersion[:10]!r}")
    try:
        signature = base64.b64decode(message.Signature, validate=True)
    except (binascii.Error, ValueError) as error:
        raise NotAuthentic("the signature is not base64") from error
    certificate = _certificate(certificates, message.SigningCertURL, now)
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise NotAuthentic("the signing certificate's key is not RSA")
    try:
        key.verify(signature, message.string_to_sign(), padding.PKCS1v15(), algorithm)
    except InvalidSignature as error:
        raise NotAuthentic("the signature does not match the message") from error


def _certificate(certificates: Certificates, url: str, now: datetime) -> x509.Certificate:
    try:
        certificate = x509.load_pem_x509_certificate(certificates.pem(url))
    except ValueError as error:
        raise NotAuthentic("the signing certificate is not a PEM certificate") from error
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise NotAuthentic("the signing certificate is not valid now")
    names = [attribute.value for attribute in certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    if _SNS_NAME not in names:
        raise NotAuthentic("the signing certificate is not issued to sns.amazonaws.com")
    return certificate
