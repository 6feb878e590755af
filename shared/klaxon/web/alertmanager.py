"""POST /webhooks/alertmanager: a Prometheus Alertmanager notification (webhook payload version 4), each alert
of the group its own Klaxon alert; Bearer or basic auth (Alertmanager's http_config)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from klaxon.monitoring.sources import alertmanager
from klaxon.web.webhooks import WORK, WebhookWork, check_bearer_or_basic, json_body, read_payload, sized_body, took

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated


@router.post(f"/webhooks/{alertmanager.SOURCE}")
def receive() -> Response[dict[str, Any]]:
    work: WebhookWork = router.context[WORK]
    body = sized_body(router.current_event)
    check_bearer_or_basic(router.current_event.headers.get("authorization"), alertmanager.SOURCE,
                          work.secret(alertmanager.SOURCE))
    return took(work, read_payload(alertmanager.parse, json_body(body)))
