"""POST /webhooks/generic: SPEC §5's generic JSON (one alert, or an array of them) with a Bearer secret."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from klaxon.monitoring.generic import SOURCE, GenericAlert, GenericAlerts, to_event
from klaxon.web.webhooks import WORK, WebhookWork, answer, checked_body, parsed, taken

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated


@router.post(f"/webhooks/{SOURCE}")
def receive() -> Response[dict[str, Any]]:
    work: WebhookWork = router.context[WORK]
    body = checked_body(router.current_event, SOURCE, work.secret(SOURCE))
    many = body.lstrip().startswith("[")
    alerts: list[GenericAlert] = parsed(body, GenericAlerts) if many else [parsed(body, GenericAlert)]
    return answer(HTTPStatus.OK, taken(work.take([to_event(alert) for alert in alerts])))
