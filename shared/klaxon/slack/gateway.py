"""Slack's Web API through slack_sdk's WebClient, in the words the domain uses (klaxon.ports.SlackGateway).

The client is built once per container with retry handlers: 429s wait out Slack's Retry-After, 5xx
and dropped connections are retried, so a busy Slack delays work instead of losing it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from klaxon.alerts import Alert
from klaxon.slack.blocks import alert_blocks, alert_fallback

logger = Logger(child=True)


def web_client(token: str, base_url: str) -> WebClient:
    """The container's WebClient: Slack (or the emulator) at `base_url`, with retries."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class WebSlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_alert(self, alert: Alert) -> str:
        response = self._in_channel(alert.target_channel, lambda: self.client.chat_postMessage(
            channel=alert.target_channel, text=alert_fallback(alert), blocks=alert_blocks(alert),
            unfurl_links=False, unfurl_media=False))
        return str(response["ts"])

    def update_alert(self, alert: Alert) -> None:
        assert alert.post_ts, "only a posted alert can be updated"
        self.client.chat_update(channel=alert.target_channel, ts=alert.post_ts, text=alert_fallback(alert),
                                blocks=alert_blocks(alert))

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError as error:
            logger.warning("no permalink", extra={"channel": channel, "ts": ts, "error": _code(error)})
            return None

    def mark_handled(self, channel: str, ts: str, reaction: str) -> None:
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=reaction)
        except SlackApiError as error:
            if _code(error) != "already_reacted":
                raise

    def _in_channel(self, channel: str, call: Any) -> Any:
        """Make a call that needs membership; join a public channel once if Slack says we are not in it."""
        try:
            return call()
        except SlackApiError as error:
            if _code(error) != "not_in_channel":
                raise
            logger.info("joining the channel to post", extra={"channel": channel})
            self.client.conversations_join(channel=channel)
            return call()


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error", "")) if error.response is not None else ""
