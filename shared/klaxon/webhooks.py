"""POST /webhooks/{source} and GET /incidents/{id}: the routes exist; the intake is not built yet.

Known monitoring sources answer 501 (the route is real, the source's parser is future work, SPEC §5);
unknown sources 404; incident pages 404 until declared incidents exist (SPEC §4).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

KNOWN_SOURCES = ("gcp", "alertmanager", "cloudwatch", "grafana", "generic")

resolver = APIGatewayHttpResolver()


@resolver.post("/webhooks/<source>")
def receive_webhook(source: str) -> Response[dict[str, str]]:
    if source not in KNOWN_SOURCES:
        return _error(HTTPStatus.NOT_FOUND, f"unknown webhook source {source!r}; known: {', '.join(KNOWN_SOURCES)}")
    return _error(HTTPStatus.NOT_IMPLEMENTED, f"webhook intake for {source} is not available in this version")


@resolver.get("/incidents/<incident_id>")
def incident_page(incident_id: str) -> Response[dict[str, str]]:
    return _error(HTTPStatus.NOT_FOUND, f"no incident {incident_id!r}")


def handle_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route one API Gateway event to the webhook or incident page handlers."""
    return resolver.resolve(event, context)


def _error(status: HTTPStatus, message: str) -> Response[dict[str, str]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": message})
