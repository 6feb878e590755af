"""What every webhook source's router shares: the body limit, the credential checks, parsing, the answers.

Per SPEC §5: a body over 256 KB gets 413 before anything is read; missing or wrong credentials get 401 and
nothing is stored; malformed JSON or a bad field gets 400 naming it. Each source keeps its own secret (a key
of the stack's webhook secret); a source without one accepts nothing (closed by default). Every secret is
compared in constant time (hmac.compare_digest).

How each source proves itself, as each can be configured to:

    generic        Authorization: Bearer <secret>, or basic auth with the secret as the password
    alertmanager   the same (its http_config `authorization` or `basic_auth`)
    grafana        Bearer or basic auth with the `grafana` secret, and/or the HMAC of the body in
                   X-Grafana-Alerting-Signature with the `grafana_hmac` secret; each one set must pass
    gcp            basic auth with the secret as password, or ?token=<secret> (GCP cannot set headers)
    cloudwatch     SNS's own signature on the message, from a topic in SNS_TOPIC_ARNS (klaxon.web.cloudwatch)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, cast

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.parser import ValidationError, parse

from klaxon.alerts.external import ExternalEvent
from klaxon.alerts.intake import Taken
from klaxon.clock import epoch_seconds
from klaxon.configuration.model import Preferences
from klaxon.monitoring.payloads import PayloadError
from klaxon.monitoring.sns import Certificates, Subscriptions

MAX_BODY_BYTES = 256 * 1024
MAX_ERRORS_SHOWN = 5
WORK = "klaxon.webhook_work"  # the resolver context key the entry point sets for each request
GRAFANA_SIGNATURE = "x-grafana-alerting-signature"  # Grafana's default HMAC header
SIGNATURE_MAX_AGE_SECONDS = 300  # a signed timestamp further from now than this is a replay


@dataclass(frozen=True)
class SnsAccess:
    """What the cloudwatch route needs to believe SNS: the allowed topics, and SNS reached over https."""

    topics: frozenset[str]
    certificates: Certificates
    subscriptions: Subscriptions


@dataclass(frozen=True)
class WebhookWork:
    """What a webhook route works with, for one request: each source's secret, the intake, the workspace's
    settings, the time, and SNS."""

    secret: Callable[[str], str | None]  # source (or `grafana_hmac`) → its secret, or None when none is set
    take: Callable[[Sequence[ExternalEvent]], list[Taken]]
    preferences: Callable[[], Preferences]
    now: Callable[[], datetime]
    sns: SnsAccess
    grafana_timestamp_header: str | None = None


class Refusal(Exception):
    """A request a webhook route will not take: the status and the reason the sender is told."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# ---------------------------------------------------------------------- the body
def sized_body(event: APIGatewayProxyEventV2) -> bytes:
    """The request's body as sent (API Gateway base64-encodes what is not text); 413 over MAX_BODY_BYTES."""
    raw = event.get("body") or ""
    try:
        body = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode("utf-8")
    except (binascii.Error, ValueError):
        raise Refusal(HTTPStatus.BAD_REQUEST, "the body is not valid base64") from None
    if len(body) > MAX_BODY_BYTES:
        raise Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is over {MAX_BODY_BYTES // 1024} KB")
    return body


def json_body(body: bytes) -> Any:
    """The body read as JSON; 400 naming where it is not."""
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise Refusal(HTTPStatus.BAD_REQUEST, "Invalid JSON: the body is not UTF-8") from None
    except json.JSONDecodeError as error:
        raise Refusal(HTTPStatus.BAD_REQUEST, f"Invalid JSON: {error}") from None
    except RecursionError:
        raise Refusal(HTTPStatus.BAD_REQUEST, "Invalid JSON: nested too deep") from None


# ---------------------------------------------------------------------- credentials
def _no_secret(source: str) -> Refusal:
    return Refusal(HTTPStatus.UNAUTHORIZED, f"webhook source {source} has no secret set, so it accepts nothing")


def _same(given: str, secret: str) -> bool:
    return hmac.compare_digest(given.encode(), secret.encode())


def check_bearer_or_basic(header: str | None, source: str, secret: str | None) -> None:
    """`Authorization: Bearer <secret>`, or `Basic` with the secret as the password (any user name)."""
    if not secret:
        raise _no_secret(source)
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() == "basic":
        check_basic(header, source, secret)
        return
    if scheme.lower() != "bearer" or not given.strip():
        raise Refusal(HTTPStatus.UNAUTHORIZED,
                      "send the source's secret as Authorization: Bearer <secret>, or as basic auth's password")
    if not _same(given.strip(), secret):
        raise Refusal(HTTPStatus.UNAUTHORIZED, "wrong secret")


def check_basic(header: str | None, source: str, secret: str | None) -> None:
    """`Authorization: Basic base64(user:secret)` (RFC 7617); the user name is not checked."""
    if not secret:
        raise _no_secret(source)
    scheme, _, encoded = (header or "").strip().partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if scheme.lower() != "basic" or ":" not in decoded:
        raise Refusal(HTTPStatus.UNAUTHORIZED, "send the source's secret as basic auth's password")
    if not _same(decoded.partition(":")[2], secret):
        raise Refusal(HTTPStatus.UNAUTHORIZED, "wrong secret")


def check_basic_or_token(event: APIGatewayProxyEventV2, source: str, secret: str | None) -> None:
    """Basic auth, or `?token=<secret>` for senders that cannot set headers (GCP's webhook channel)."""
    token = (event.query_string_parameters or {}).get("token")
    if token is None:
        check_basic(event.headers.get("authorization"), source, secret)
        return
    if not secret:
        raise _no_secret(source)
    if not _same(token, secret):
        raise Refusal(HTTPStatus.UNAUTHORIZED, "wrong secret")


def check_signature(event: APIGatewayProxyEventV2, body: bytes, secret: str, timestamp_header: str | None,
                    now: datetime) -> None:
    """Grafana's HMAC: hex SHA-256 of the body, or of `<timestamp>:<body>` when Grafana is configured with a
    timestamp header (which must then be within SIGNATURE_MAX_AGE_SECONDS of now, so a captured request
    cannot be replayed later); Refusal (401) otherwise."""
    given = (event.headers.get(GRAFANA_SIGNATURE) or "").strip().lower()
    signed = body
    if timestamp_header:
        stamp = (event.headers.get(timestamp_header.lower()) or "").strip()
        signed_at = epoch_seconds(stamp)
        if signed_at is None or abs(now.timestamp() - signed_at) > SIGNATURE_MAX_AGE_SECONDS:
            raise Refusal(HTTPStatus.UNAUTHORIZED, f"the {timestamp_header} header is missing or not recent")
        signed = stamp.encode() + b":" + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if not given:
        raise Refusal(HTTPStatus.UNAUTHORIZED, "the X-Grafana-Alerting-Signature header is missing")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Refusal(HTTPStatus.UNAUTHORIZED, "the signature does not match the body")


# ---------------------------------------------------------------------- parsing and answering
def json_text(body: bytes) -> str:
    """The body as JSON text: UTF-8, with a byte-order mark allowed (RFC 8259 §8.1: JSON is UTF-8, and a
    reader may ignore the mark), as json.loads reads the other sources' bodies. 400 when it is not UTF-8: a
    replaced byte would change the alert's text and dedup key behind its sender's back."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refusal(HTTPStatus.BAD_REQUEST, "Invalid JSON: the body is not UTF-8") from None


def parsed(text: str, model: Any) -> Any:
    """JSON `text` validated by Powertools' Parser as `model` (pydantic reads the JSON text itself); Refusal
    (400) naming the first problems otherwise."""
    try:
        return parse(event=cast(dict[str, Any], text), model=model)
    except ValidationError as invalid:
        raise Refusal(HTTPStatus.BAD_REQUEST, problems(invalid)) from None


def read_payload[T](read: Callable[[Any], T], payload: Any) -> T:
    """A source's parser run on the payload; its PayloadError (the first problem, named) becomes a 400."""
    try:
        return read(payload)
    except PayloadError as problem:
        raise Refusal(HTTPStatus.BAD_REQUEST, str(problem)) from None


def problems(invalid: ValidationError) -> str:
    """`title: Field required; severity: Input should be 'critical', …` - where, and what is wrong."""
    shown = []
    for problem in invalid.errors()[:MAX_ERRORS_SHOWN]:
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"]).lstrip(".")
        shown.append(f"{where}: {problem['msg']}" if where else str(problem["msg"]))
    more = len(invalid.errors()) - MAX_ERRORS_SHOWN
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def answer(status: HTTPStatus, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def error(status: HTTPStatus, message: str) -> Response[dict[str, Any]]:
    return answer(status, {"error": message})


def took(work: WebhookWork, events: Sequence[ExternalEvent]) -> Response[dict[str, Any]]:
    """Hand a request's events to the intake; 200 with what became of each."""
    return answer(HTTPStatus.OK, taken(work.take(events)))


def taken(outcomes: Sequence[Taken]) -> dict[str, Any]:
    """What became of each alert in the request, in order, for the sender's logs."""
    return {"alerts": [{"dedup_key": t.event.dedup_key, "status": str(t.event.status),
                        "outcome": str(t.change) if t.change else str(t.judgement.verdict if t.judgement else ""),
                        **({"alert": t.alert.id, "posted": t.alert.is_posted} if t.alert else {}),
                        **({"silenced_by": t.alert.silenced_by} if t.alert and t.alert.silenced_by else {}),
                        **({"reason": t.judgement.reason} if t.judgement and t.change is None else {})}
                       for t in outcomes]}
