"""Slack's retries, the URL handshake, and requests meant to fail the app's signature checks."""

from __future__ import annotations

import json
import time

import pytest

from infra.slack_emulator import Workspace
from infra.slack_emulator.client import WorkspaceError

from .app_double import RecordingApp
from .conftest import Team


def test_a_redelivery_repeats_the_event_as_slack_retries_do(
    app: RecordingApp, workspace: Workspace, team: Team
) -> None:
    # Given an event the app already got
    first = workspace.post(team.alerts, "db-1 down", user="alice").delivery

    # When Slack retries it twice
    second = workspace.redeliver(first.id)
    third = workspace.redeliver(first.id, reason="http_error")

    # Then the body is identical, the signature fresh and valid, and the retry headers say why
    original, retry1, retry2 = app.received
    assert retry1.body == original.body == retry2.body
    assert json.loads(retry1.body)["event_id"] == first.id
    assert all(r.signature_valid for r in app.received)
    assert "X-Slack-Retry-Num" not in original.headers
    assert (retry1.headers["X-Slack-Retry-Num"], retry1.headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    assert (retry2.headers["X-Slack-Retry-Num"], retry2.headers["X-Slack-Retry-Reason"]) == ("2", "http_error")
    assert [(d.id, d.attempt) for d in workspace.deliveries()] == [(first.id, 0), (first.id, 1), (first.id, 2)]
    assert (second.attempt, third.attempt) == (1, 2)


def test_a_retry_number_can_be_chosen(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    first = workspace.post(team.alerts, "db-1 down", user="alice").delivery

    workspace.redeliver(first.id, retry_num=3)

    assert app.received[-1].headers["X-Slack-Retry-Num"] == "3"


def test_commands_and_clicks_can_be_redelivered_too(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    command = workspace.command("alice", team.alerts, "/klaxon", "report").delivery

    workspace.redeliver(command.id)

    assert app.received[1].body == app.received[0].body


def test_redelivering_something_never_sent_fails(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceError) as raised:
        workspace.redeliver("Ev404")

    assert raised.value.status == 404


def test_url_verification_returns_what_the_app_answered(app: RecordingApp, workspace: Workspace) -> None:
    app.responder = lambda request: (200, "application/json",
                                     json.dumps({"challenge": request.payload["challenge"]}))

    delivery = workspace.verify_url("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    assert app.received[0].payload == {"token": "emulator-verification-token", "type": "url_verification",
                                       "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert delivery.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_raw_bodies_can_be_signed_badly_or_not_at_all(app: RecordingApp, workspace: Workspace) -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "message", "text": "forged"}})

    good = workspace.send_raw(body)
    bad = workspace.send_raw(body, signing="bad")
    unsigned = workspace.send_raw(body, signing="none")

    assert (good.status, bad.status, unsigned.status) == (200, 401, 401)
    assert "X-Slack-Signature" not in app.received[2].headers
    assert [r.body for r in app.received] == [body] * 3


def test_a_stale_but_correctly_signed_request_is_refused(app: RecordingApp, workspace: Workspace) -> None:
    stale = workspace.send_raw('{"type": "event_callback"}', timestamp_age=600)

    assert stale.status == 401
    sent_at = int(app.received[0].headers["X-Slack-Request-Timestamp"])
    assert 590 <= time.time() - sent_at <= 610


def test_a_changed_signing_secret_is_used_from_then_on(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    workspace.configure(signing_secret="rotated-secret")

    refused = workspace.post(team.alerts, "hello", user="alice").delivery

    assert refused.status == 401  # the app still verifies with the old secret
