"""What every webhook source's router shares: the body limit, the secret check, parsing, the answers.

Per SPEC §5: a body over 256 KB gets 413 before anything is read; a missing or wrong secret gets 401
and nothing is stored; malformed JSON or a bad field gets 400 naming it. Each source keeps its own
secret; a source without one accepts nothing (closed by default).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.parser import ValidationError, parse

from klaxon.alerts.external import ExternalEvent
from klaxon.alerts.intake import Taken

MAX_BODY_BYTES = 256 * 1024
MAX_ERRORS_SHOWN = 5
WORK = "klaxon.webhook_work"  # the resolver context key the entry point sets for each request


@dataclass(frozen=True)
class WebhookWork:
    """What a webhook route works with, for one request: each source's secret, and the intake."""

    secret: Callable[[str], str | None]  # source → its secret, or None when none is configured
    take: Callable[[Sequence[ExternalEvent]], list[Taken]]


class Refusal(Exception):
    """A request a webhook route will not take: the status and the reason the sender is told."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def checked_body(event: APIGatewayProxyEventV2, source: str, secret: str | None) -> str:
    """The request's body once its size and its `Authorization: Bearer <secret>` pass; Refusal otherwise."""
    body = event.decoded_body or ""
    if len(body.encode("utf-8", errors="replace")) > MAX_BODY_BYTES:
        raise Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is over {MAX_BODY_BYTES // 1024} KB")
    check_bearer(event.headers.get("authorization"), source, secret)
    return body


def check_bearer(header: str | None, source: str, secret: str | None) -> None:
    """`Authorization: Bearer <secret>`, compared in constant time; Refusal (401) otherwise."""
    if not secret:
        raise Refusal(HTTPStatus.UNAUTHORIZED, f"webhook source {source} has no secret set, so it accepts nothing")
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Refusal(HTTPStatus.UNAUTHORIZED, "send the source's secret as Authorization: Bearer <secret>")
    if not hmac.compare_digest(given.strip().encode(), secret.encode()):
        raise Refusal(HTTPStatus.UNAUTHORIZED, "wrong secret")


def parsed(body: str, model: Any) -> Any:
    """The body validated by Powertools' Parser as `model` (pydantic reads the JSON text itself); Refusal
    (400) naming the first problems otherwise."""
    try:
        return parse(event=cast(dict[str, Any], body), model=model)  # typed for dicts; JSON text is read too
    except ValidationError as invalid:
        raise Refusal(HTTPStatus.BAD_REQUEST, problems(invalid)) from None


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


def taken(outcomes: Sequence[Taken]) -> dict[str, Any]:
    """What became of each alert in the request, in order, for the sender's logs."""
    return {"alerts": [{"dedup_key": t.event.dedup_key, "status": str(t.event.status),
                        "outcome": str(t.change) if t.change else str(t.judgement.verdict if t.judgement else ""),
                        **({"alert": t.alert.id, "posted": t.alert.is_posted} if t.alert else {}),
                        **({"reason": t.judgement.reason} if t.judgement and t.change is None else {})}
                       for t in outcomes]}
