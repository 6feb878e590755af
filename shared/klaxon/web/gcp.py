"""POST /webhooks/gcp: a Google Cloud Monitoring notification (schema 1.2; uptime checks included). GCP's webhook
channel cannot set headers: basic auth (its "Webhook with basic auth" channel) or `?token=<secret>` in the URL."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from klaxon.monitoring.sources import gcp
from klaxon.web.webhooks import WORK, WebhookWork, check_basic_or_token, json_body, read_payload, sized_body, took

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated


@router.post(f"/webhooks/{gcp.SOURCE}")
def receive() -> Response[dict[str, Any]]:
    work: WebhookWork = router.context[WORK]
    body = sized_body(router.current_event)
    check_basic_or_token(router.current_event, gcp.SOURCE, work.secret(gcp.SOURCE))
    return took(work, read_payload(gcp.parse, json_body(body)))
