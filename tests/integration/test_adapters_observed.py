"""The adapters' edges, observed: Slack's 429s counted where the client waits them out or gives up, and every
Slack and DynamoDB request in a trace segment of its own - against the emulator and moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import SlackEmulator, Workspace
from infra.stack import BOT_TOKEN
from klaxon.configuration.model import AuditEntry, Configuration
from klaxon.dynamo import DynamoStore
from klaxon.metrics import Measurement, Metric
from klaxon.silences.matchers import parse_matchers
from klaxon.silences.model import Silence
from klaxon.slack.client import web_client
from tests.fakes import RecordingTrace
from tests.integration.conftest import TABLE


@pytest.fixture(scope="module")
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as slack:
        yield slack


@pytest.fixture
def workspace(emulator: SlackEmulator) -> Iterator[Workspace]:
    workspace = Workspace(emulator.url)
    workspace.reset()
    yield workspace
    workspace.reset()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry-After is obeyed as a number of seconds; the test does not sit through them."""
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", lambda seconds: None)


def test_a_429_waited_out_is_counted_with_its_method_and_the_call_goes_through(emulator, workspace):
    counted: list[Measurement] = []
    channel = workspace.add_channel("incidents")["id"]
    workspace.rate_limit("chat.postMessage", retry_after=2)

    client = web_client(BOT_TOKEN, emulator.api_url, count=counted.append)
    assert client.chat_postMessage(channel=channel, text="disk full")["ok"]

    assert counted == [Measurement(Metric.SLACK_RATE_LIMITED, properties={"method": "chat.postMessage"})]


def test_a_429_longer_than_the_client_waits_is_counted_as_given_up_and_raised(emulator, workspace):
    counted: list[Measurement] = []
    workspace.rate_limit("reactions.get", retry_after=30)

    sweep_client = web_client(BOT_TOKEN, emulator.api_url, max_rate_limit_wait=3, count=counted.append)
    with pytest.raises(SlackApiError):
        sweep_client.reactions_get(channel="C0NONE", timestamp="1.0")

    assert counted == [Measurement(Metric.SLACK_GAVE_UP, properties={"method": "reactions.get"})]


def test_429s_past_the_retries_are_counted_each_the_last_as_given_up(emulator, workspace):
    counted: list[Measurement] = []
    workspace.rate_limit("users.list", count=3, retry_after=1)

    with pytest.raises(SlackApiError):
        web_client(BOT_TOKEN, emulator.api_url, count=counted.append).users_list(limit=10)

    assert [m.metric for m in counted] == [Metric.SLACK_RATE_LIMITED, Metric.SLACK_RATE_LIMITED, Metric.SLACK_GAVE_UP]


def test_every_slack_call_is_a_segment_named_after_its_method_and_a_refusal_is_annotated(emulator, workspace):
    trace = RecordingTrace()
    channel = workspace.add_channel("incidents")["id"]
    workspace.refuse_next("chat.update", "message_not_found")
    client = web_client(BOT_TOKEN, emulator.api_url, trace=trace)

    posted = client.chat_postMessage(channel=channel, text="disk full")
    with pytest.raises(SlackApiError):
        client.chat_update(channel=channel, ts=posted["ts"], text="disk full ×2")

    assert trace.names == ["slack chat.postMessage", "slack chat.update"]
    assert [segment.annotations for segment in trace.segments] == [
        {"slack_method": "chat.postMessage"}, {"slack_method": "chat.update", "slack_error": "message_not_found"}]


def test_every_dynamodb_request_is_a_segment_and_a_failed_condition_is_annotated(dynamodb: Any):
    trace = RecordingTrace()
    store = DynamoStore(dynamodb, TABLE, trace=trace)
    at = datetime(2026, 11, 29, tzinfo=UTC)
    entry = AuditEntry(actor="U0ALICE", at=at, action="set-up", summary="test")
    restored = Silence.restored("s-000001", parse_matchers("host=db-1"), starts_at=at,
                                ends_at=at + timedelta(hours=1), by="U0ALICE")
    store.silences.add(restored, entry)

    base = store.configuration.load()
    trace.segments.clear()
    with pytest.raises(Exception, match="changed"):  # an import restoring a silence that exists already
        store.configuration.commit(base, Configuration(channel_policies={"C0OPS": "ops"}), entry, [restored])

    assert "dynamodb TransactWriteItems" in trace.names
    (refused,) = [s for s in trace.segments if s.name == "dynamodb TransactWriteItems"]
    assert refused.annotations == {"dynamodb_operation": "TransactWriteItems",
                                   "dynamodb_error": "TransactionCanceledException"}
    assert {s.name for s in trace.segments} <= {"dynamodb GetItem", "dynamodb BatchWriteItem",
                                                "dynamodb TransactWriteItems"}
