"""The webhooks function's resolver in-process, for fast tests of the routes' answers: API Gateway's own
payload-v2 sample re-aimed at a route, and stand-ins for what the entry point gives the routes (each
source's secret, the intake, the settings, the clock, SNS)."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from klaxon.configuration.model import Preferences
from klaxon.web import build_resolver
from klaxon.web.webhooks import WORK, SnsAccess, WebhookWork
from tests.payloads import FIXTURES, fixture

API_GATEWAY_V2 = fixture("aws/aws-lambda-go_apigw-v2-request-no-authorizer.json")
SNS_CERTIFICATE = (FIXTURES / "monitoring" / "aws-sdk-ruby_sns_signing_cert.pem").read_bytes()


def request(path: str, body: str | bytes, authorization: str | None = "Bearer s3cret", encoded: bool = False,
            headers: Mapping[str, str] | None = None, query: Mapping[str, str] | None = None) -> dict[str, Any]:
    """API Gateway's payload v2 for a POST (AWS's own sample, re-aimed)."""
    event = copy.deepcopy(API_GATEWAY_V2)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = "POST"
    event["routeKey"] = event["requestContext"]["routeKey"] = "POST /webhooks/{source}"
    event["headers"]["content-type"] = "application/json"
    event["headers"].update({name.lower(): value for name, value in (headers or {}).items()})
    if authorization:
        event["headers"]["authorization"] = authorization
    event["queryStringParameters"] = dict(query or {})
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    raw = body if isinstance(body, bytes) else body.encode()
    event["body"] = base64.b64encode(raw).decode() if encoded else raw.decode()
    event["isBase64Encoded"] = encoded
    return event


@dataclass
class LocalSns:
    """SNS as tests see it: one certificate (aws-sdk-ruby's fixture, unless given) served for whatever URL the
    checks let through; confirmations recorded, never sent."""

    certificate: bytes = SNS_CERTIFICATE
    asked: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)

    def pem(self, url: str) -> bytes:
        self.asked.append(url)
        return self.certificate

    def confirm(self, url: str) -> None:
        self.confirmed.append(url)


@dataclass
class Served:
    status: int
    answer: dict[str, Any]
    taken: list[Any]


def serve(event: dict[str, Any], secrets: Mapping[str, str] | None = None, *,
          now: datetime = datetime(2026, 11, 29, 10, 0, tzinfo=UTC), sns: LocalSns | None = None,
          topics: frozenset[str] = frozenset(), timestamp_header: str | None = None,
          preferences: Callable[[], Preferences] = Preferences) -> Served:
    """Resolve one event; `secrets` maps each source (or `grafana_hmac`) to its secret."""
    taken: list[Any] = []
    local = sns or LocalSns()
    resolver = build_resolver()
    resolver.context[WORK] = WebhookWork(
        secret=lambda source: (secrets or {}).get(source), take=lambda events: taken.extend(events) or [],
        preferences=preferences, now=lambda: now, sns=SnsAccess(topics, certificates=local, subscriptions=local),
        grafana_timestamp_header=timestamp_header)
    response = resolver.resolve(event, None)  # type: ignore[arg-type]
    return Served(response["statusCode"], json.loads(response["body"]), taken)
