"""The webhooks function's entry: POST /webhooks/{source} and the incident pages under GET /incidents, through
the container's Powertools resolver (klaxon.web), with what the routes work with set in its context for this
request."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from klaxon.alerts.external import ExternalEvent
from klaxon.alerts.intake import Taken
from klaxon.bootstrap import runtime
from klaxon.monitoring.webhooks import take_webhook
from klaxon.web.incident_pages import PAGES
from klaxon.web.webhooks import WORK, SnsAccess, WebhookWork

# Powertools keeps the request being resolved in class attributes: one request at a time per process.
# Lambda gives each container one request at a time anyway; the local cloud serves several at once.
_one_at_a_time = threading.Lock()


def handle_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route one API Gateway (payload v2) event to its webhook source or page."""
    rt = runtime()
    work = rt.services()

    def take(events: Sequence[ExternalEvent]) -> list[Taken]:
        intake = work.intake(work.identity(), time_left_ms=context.get_remaining_time_in_millis)
        return take_webhook(events, intake, work.store.hosts)

    settings = rt.settings
    webhook_work = WebhookWork(secret=rt.webhook_secret, take=take,
                               preferences=lambda: work.configuration().preferences, now=rt.clock.now,
                               sns=SnsAccess(settings.sns_topic_arns, certificates=rt.sns, subscriptions=rt.sns),
                               grafana_timestamp_header=settings.grafana_timestamp_header)
    with _one_at_a_time:
        resolver = rt.webhook_resolver
        # Both cleared by resolve().
        resolver.context[WORK] = webhook_work
        resolver.context[PAGES] = rt.page_work()
        return resolver.resolve(event, context)
