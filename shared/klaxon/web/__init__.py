"""HTTP for the webhooks function (Powertools Event Handler): monitoring webhooks and the incident pages.

`build_resolver()` makes the one APIGatewayHttpResolver; each webhook source is a Router of its own
(after Powertools' examples/event_handler_rest/src/split_route_module.py), included here, and so are the
incident pages (incident_pages.py). Adding a source is one router module and one entry in SOURCE_ROUTERS.
Also here: the adapter that reaches SNS over https for the cloudwatch source (sns_https.py).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from klaxon.web import alertmanager, cloudwatch, gcp, generic, grafana, incident_pages
from klaxon.web.webhooks import Refusal, error

SOURCE_ROUTERS: dict[str, APIGatewayHttpRouter] = {"generic": generic.router, "gcp": gcp.router,
                                                   "alertmanager": alertmanager.router, "cloudwatch": cloudwatch.router,
                                                   "grafana": grafana.router}


def build_resolver() -> APIGatewayHttpResolver:
    """The resolver for POST /webhooks/{source} and the incident pages under GET /incidents; no clients, no I/O."""
    resolver = APIGatewayHttpResolver()
    for router in (*SOURCE_ROUTERS.values(), incident_pages.router):
        resolver.include_router(router)

    def refused(refusal: Refusal) -> Response[dict[str, Any]]:
        return error(refusal.status, refusal.reason)

    # Their decorator is unannotated: registered by a call.
    resolver.exception_handler(Refusal)(refused)
    resolver.exception_handler(incident_pages.PageRefused)(incident_pages.refused)

    @resolver.not_found
    def unknown(_: Exception) -> Response[dict[str, Any]]:
        path = resolver.current_event.path
        if not path.startswith("/webhooks/"):
            return error(HTTPStatus.NOT_FOUND, f"nothing at {path}")
        source = path.removeprefix("/webhooks/")
        return error(HTTPStatus.NOT_FOUND, f"unknown webhook source {source!r}; known: {', '.join(SOURCE_ROUTERS)}")

    return resolver
