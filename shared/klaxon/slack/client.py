"""The container's slack_sdk WebClient, with the retries worth making, counted and traced.

429s wait out Slack's Retry-After (up to a limit the caller sets); 500, 503 and dropped connections are
retried, and 502 and 504 for the calls safe to repeat, so a busy Slack delays work instead of losing it.
Every 429 is counted (SlackRateLimited when it is waited out, SlackRateLimitGaveUp when it is not), and
every call is a trace segment of its own. Kept apart from the gateway: acknowledging Slack needs a client
but none of the domain the gateway speaks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from klaxon.metrics import Count, Measurement, Metric
from klaxon.tracing import NO_TRACE, Trace

logger = Logger(child=True)

# How long a call waits for Slack's answer. Slack may still carry out a call whose answer came too late:
# the gateway finds its own posts again rather than posting twice.
TIMEOUT_SECONDS = 10


class WaitBriefly(RateLimitErrorRetryHandler):
    """Waits out a 429 only when Slack asks for at most `max_wait` seconds; longer, the call fails.

    Each 429 is counted with the method Slack limited, whether it is waited out or not.
    """

    def __init__(self, max_wait: float, max_retry_count: int = 2, count: Count = lambda measurement: None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self.count = count

    def can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                  error: Exception | None = None) -> bool:
        retrying = super().can_retry(state=state, request=request, response=response, error=error)
        if response is not None and response.status_code == 429:
            self.count(Measurement(Metric.SLACK_RATE_LIMITED if retrying else Metric.SLACK_GAVE_UP,
                                   properties={"method": method_in(request.url)}))
        return retrying

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return response is not None and response.status_code == 429 and retry_after(response) <= self.max_wait


# Web API methods whose repeat changes nothing Slack holds: the reads, an update to the same content, opening
# the same DM. slack_sdk retries only 500 and 503; a 502 or 504 from a gateway in front of Slack is as
# passing, but may come after the call was carried out, so only these are repeated on it (a post is not:
# the gateway finds its own posts again instead).
REPEATABLE = frozenset({"chat.update", "conversations.open", "auth.test", "chat.getPermalink"})
READ_SUFFIXES = (".info", ".list", ".get", ".history", ".replies", ".members")


def repeatable(method: str) -> bool:
    """Whether calling Slack's Web API `method` (`chat.update` …) twice has the effect of calling it once."""
    return method in REPEATABLE or method.endswith(READ_SUFFIXES)


class RepeatOnGatewayErrors(ServerErrorRetryHandler):
    """Retries a 502 or 504 answer, for the methods that are safe to call again (`repeatable`)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return (response is not None and response.status_code in (502, 504)
                and repeatable(method_in(request.url)))


class TracedWebClient(WebClient):
    """slack_sdk's WebClient with each Web API call in a trace segment of its own (`slack chat.postMessage`),
    annotated with the method and, when Slack refuses, its error code."""

    def __init__(self, *args: Any, trace: Trace = NO_TRACE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trace = trace

    def api_call(self, api_method: str, *, http_verb: str = "POST", files: dict[str, Any] | None = None,
                 data: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
                 json: dict[str, Any] | None = None, headers: dict[str, Any] | None = None,
                 auth: dict[str, Any] | None = None) -> SlackResponse:
        with self.trace.segment(f"slack {api_method}") as segment:
            segment.put_annotation("slack_method", api_method)
            try:
                return super().api_call(api_method, http_verb=http_verb, files=files, data=data, params=params,
                                        json=json, headers=headers, auth=auth)
            except SlackApiError as error:
                segment.put_annotation("slack_error", error_code(error) or "unknown")
                raise


def web_client(token: str, base_url: str, *, max_rate_limit_wait: float = 60,
               count: Count = lambda measurement: None, trace: Trace = NO_TRACE) -> WebClient:
    """A WebClient for Slack (or the emulator) at `base_url` that retries what is worth retrying.

    Slack's 429s are waited out up to `max_rate_limit_wait` seconds: generous for lazy listeners, a few
    seconds for the sweep, which must finish within its minute and picks the work up next time. `count`
    takes the 429s' measurements, `trace` the calls' segments.
    """
    return TracedWebClient(
        token=token,
        base_url=base_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            WaitBriefly(max_wait=max_rate_limit_wait, count=count),
            ServerErrorRetryHandler(max_retry_count=2),
            RepeatOnGatewayErrors(max_retry_count=2),
        ],
        trace=trace,
    )


def retry_after(response: Any) -> float:
    headers = {key.lower(): value for key, value in (response.headers or {}).items()}
    value = headers.get("retry-after", 1)
    return float(value[0] if isinstance(value, list) else value)


# Slack's answers when it will never let Klaxon message a person (conversations.open, chat.postMessage): they
# left (user_disabled; their direct messages archived), are not in the workspace, or are a bot.
_PERSON_REFUSED = {"user_disabled", "user_not_found", "user_not_visible", "cannot_dm_bot", "is_archived"}


def to_person[T](person: str, call: Callable[[], T]) -> T:
    """A call messaging `person`; Slack's "never" for them as PersonUnreachable (retrying changes nothing)."""
    try:
        return call()
    except SlackApiError as error:
        if error_code(error) in _PERSON_REFUSED:
            from klaxon.ports import PersonUnreachable  # the domain's ports: never on the ack path (test_cold_path)

            raise PersonUnreachable(person, error_code(error)) from error
        raise


def error_code(error: SlackApiError) -> str:
    """Slack's error code in a refused call's answer (`not_in_channel`, `ratelimited` …), or ''."""
    return str(error.response.get("error", "")) if error.response is not None else ""


def method_of(error: SlackApiError) -> str:
    """The Web API method Slack refused (`chat.postMessage` …), from the call's URL."""
    return method_in(str(error.response.api_url)) if error.response is not None else ""


def method_in(url: str) -> str:
    """The Web API method a call's URL names: `chat.postMessage` in `https://slack.com/api/chat.postMessage`."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def joining[T](client: WebClient, channel: str, call: Callable[[], T]) -> T:
    """Make a call that needs membership; join a public channel once if Slack says Klaxon is not in it."""
    try:
        return call()
    except SlackApiError as error:
        if error_code(error) != "not_in_channel":
            raise
        logger.info("joining the channel to post", extra={"channel": channel})
        client.conversations_join(channel=channel)
        return call()


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """A link to a message, or None when Slack cannot give one (deleted, no access): a link is a courtesy."""
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as error:
        logger.warning("no permalink", extra={"channel": channel, "ts": ts, "error": error_code(error)})
        return None
