"""Paging from Slack: a mention of Klaxon pages its channel's policy (in an incident's comms channel it is a
command instead, never a page); a page's button acknowledges it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from klaxon.slack.actions import ActionId
from klaxon.slack.lazy import acknowledge, delivery_id, lazy_work
from klaxon.slack.listeners.incidents import command_from_mention

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)


def register(app: App, services: Callable[[], Services]) -> None:
    def page_from_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        from klaxon.paging import service as paging

        with lazy_work(services, body) as work:
            if work is None:
                return
            incident_id = work.store.incidents.in_channel(event["channel"])  # in a comms channel: a command
            if incident_id is not None:
                command_from_mention(work, client, event, context.bot_user_id, incident_id, delivery_id(body))
                return
            mention = paging.Mention(channel=event["channel"], ts=event["ts"], user=event.get("user", ""),
                                     text=event.get("text", ""), thread_ts=event.get("thread_ts"))
            page = paging.on_mention(mention, context.bot_user_id, work.pager(), work.current_configuration)
            if page is not None:
                logger.info("paging", extra={"page": page.id, "policy": page.policy.name})

    def acknowledge_page(body: dict[str, Any], action: dict[str, Any]) -> None:
        from klaxon.paging import service as paging

        with lazy_work(services, body) as work:
            if work is None:
                return
            page = paging.acknowledge(action["value"], body["user"]["id"], work.pager())
            logger.info("page acknowledged" if page else "page was no longer active", extra={"page": action["value"]})

    app.event("app_mention")(ack=acknowledge, lazy=[page_from_mention])
    app.action(ActionId.ACKNOWLEDGE_PAGE.value)(ack=acknowledge, lazy=[acknowledge_page])
    app.action(ActionId.OPEN_PAGE_SOURCE.value)(acknowledge)  # a link button: the click needs only an ack
