"""POST /webhooks/generic: SPEC §5's generic JSON (one alert, or an array of them) with a Bearer secret."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from klaxon.monitoring.generic import SOURCE, GenericAlert, GenericAlerts, to_event
from klaxon.web.webhooks import WORK, WebhookWork, check_bearer_or_basic, json_text, parsed, sized_body, took

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated


@router.post(f"/webhooks/{SOURCE}")
def receive() -> Response[dict[str, Any]]:
    work: WebhookWork = router.context[WORK]
    body = sized_body(router.current_event)
    check_bearer_or_basic(router.current_event.headers.get("authorization"), SOURCE, work.secret(SOURCE))
    text = json_text(body)
    many = text.lstrip().startswith("[")
    alerts: list[GenericAlert] = parsed(text, GenericAlerts) if many else [parsed(text, GenericAlert)]
    return took(work, [to_event(alert) for alert in alerts])
