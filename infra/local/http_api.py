"""API Gateway's part of the local cloud: HTTP requests to payload-v2 events, and results back.

Built to the HTTP API payload format 2.0 (the shape in fixtures/aws/aws-lambda-go_apigw-v2-*.json):
lower-cased headers with repeated values joined by commas, cookies split out, text bodies passed as
they are and anything else base64-encoded, and a handler's plain return value turned into a 200 JSON
response the way API Gateway does.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from infra.template import Route

API_ID = "localapi01"
_TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml",
               "application/javascript")


@dataclass(frozen=True)
class HttpRequest:
    """A request as the local cloud's HTTP server received it."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def build_event(request: HttpRequest, route: Route, path_parameters: dict[str, str]) -> dict[str, Any]:
    """The payload-v2 event API Gateway would send the route's function for this request."""
    headers = _joined_headers(request.headers)
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    is_text = (headers.get("content-type", "").startswith(_TEXT_TYPES) and _utf8(request.body)) or not request.body
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": API_ID,
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": API_ID,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": not is_text,
        "body": request.body.decode("utf-8") if is_text else base64.b64encode(request.body).decode(),
    }
    if cookies:
        event["cookies"] = cookies
    if request.query:
        event["queryStringParameters"] = _joined_query(request.query)
    if path_parameters:
        event["pathParameters"] = path_parameters
    return event


def to_http_response(result: Any) -> HttpResponse:
    """A handler's return value as API Gateway (payload v2) turns it into an HTTP response."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # v2 infers a response: any non-dict-with-statusCode value becomes a JSON 200.
        return HttpResponse(200, {"content-type": "application/json"}, json.dumps(result).encode())
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        payload = base64.b64decode(body)
    else:
        payload = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
    for cookie in result.get("cookies") or []:
        headers.setdefault("set-cookie", cookie)
    return HttpResponse(int(result["statusCode"]), headers, payload)


def _utf8(body: bytes) -> bool:
    """Whether a body declared as text is text: bytes that are not UTF-8 are passed base64-encoded."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _joined_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _joined_query(raw: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined
