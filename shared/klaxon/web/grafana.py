"""POST /webhooks/grafana: Grafana's unified alerting or its legacy dashboard alerts (told apart by shape).

Grafana's webhook contact point can send an Authorization header (Bearer, or basic auth) and, from Grafana 12,
an HMAC signature of the body in X-Grafana-Alerting-Signature. Klaxon checks each one it has a secret for - the
`grafana` key for the header, `grafana_hmac` for the signature - and needs at least one.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from klaxon.monitoring.sources import grafana
from klaxon.web.webhooks import (
    WORK,
    Refusal,
    WebhookWork,
    check_bearer_or_basic,
    check_signature,
    json_body,
    read_payload,
    sized_body,
    took,
)

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated


@router.post(f"/webhooks/{grafana.SOURCE}")
def receive() -> Response[dict[str, Any]]:
    work: WebhookWork = router.context[WORK]
    event = router.current_event
    body = sized_body(event)
    secret, hmac_secret = work.secret(grafana.SOURCE), work.secret(grafana.HMAC_KEY)
    if not secret and not hmac_secret:
        raise Refusal(HTTPStatus.UNAUTHORIZED, "webhook source grafana has no secret set, so it accepts nothing")
    if secret:
        check_bearer_or_basic(event.headers.get("authorization"), grafana.SOURCE, secret)
    if hmac_secret:
        check_signature(event, body, hmac_secret, work.grafana_timestamp_header, work.now())
    return took(work, read_payload(grafana.parse, json_body(body)))
