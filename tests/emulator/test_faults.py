"""Slack's rate limits and outages, on demand, so the app's retries can be tested."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from infra.slack_emulator import SlackEmulator, Workspace
from klaxon.slack.client import repeatable, web_client

from .conftest import BOT_TOKEN, Team


def test_a_rate_limited_call_answers_429_with_retry_after(slack: WebClient, workspace: Workspace, team: Team) -> None:
    workspace.rate_limit("chat.postMessage", retry_after=30)

    with pytest.raises(SlackApiError) as raised:
        slack.chat_postMessage(channel=team.alerts, text="alert")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "30"
    assert raised.value.response.data == {"ok": False, "error": "ratelimited"}
    assert slack.chat_postMessage(channel=team.alerts, text="alert")["ok"]  # only the next call was limited


def test_slack_sdks_retry_handler_waits_as_told_and_succeeds(
    emulator: SlackEmulator, workspace: Workspace, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Slack limits the next two posts, asking for 7 s
    workspace.rate_limit("chat.postMessage", count=2, retry_after=7)
    waits: list[float] = []
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", waits.append)
    client = WebClient(token=BOT_TOKEN, base_url=emulator.api_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])

    # When the app posts
    answer = client.chat_postMessage(channel=team.alerts, text="alert")

    # Then it waited Retry-After each time and the third attempt went through, once
    assert answer["ok"]
    assert len(waits) == 2 and all(7 <= w < 8 for w in waits)
    assert [c.status for c in workspace.calls("chat.postMessage")] == [429, 429, 200]
    assert len(workspace.messages(team.alerts)) == 1


def test_an_outage_answers_5xx_for_the_next_calls(
    emulator: SlackEmulator, workspace: Workspace, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.fail_next("users.info", count=1)
    monkeypatch.setattr("slack_sdk.http_retry.handler.time.sleep", lambda seconds: None)
    client = WebClient(token=BOT_TOKEN, base_url=emulator.api_url,
                       retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])

    answer = client.users_info(user=team.alice)

    assert answer["user"]["id"] == team.alice
    assert [c.status for c in workspace.calls("users.info")] == [503, 200]


def test_faults_for_any_method(slack: WebClient, workspace: Workspace) -> None:
    workspace.fail_next("*", status=500)

    with pytest.raises(SlackApiError) as raised:
        slack.team_info()

    assert raised.value.response.status_code == 500
    assert slack.team_info()["ok"]


def test_a_late_answer_comes_after_the_call_was_carried_out(slack: WebClient, workspace: Workspace, team: Team) -> None:
    workspace.answer_late("chat.postMessage", delay=1.5)
    impatient = WebClient(token=BOT_TOKEN, base_url=slack.base_url, timeout=1)

    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=team.alerts, text="alert")

    assert [m["text"] for m in workspace.messages(team.alerts)] == ["alert"], "Slack posted it all the same"


def test_faults_at_a_rate_hit_about_that_share_of_calls_and_are_counted_by_kind(slack: WebClient,
                                                                                 workspace: Workspace) -> None:
    workspace.fault_rate(0.5, weights={"429": 1, "5xx": 1}, seed=3)
    outcomes = []
    for _ in range(200):
        try:
            outcomes.append(slack.team_info()["ok"])
        except SlackApiError as error:
            outcomes.append(error.response.status_code)
    injected = workspace.fault_rate(0)

    assert 60 < outcomes.count(True) < 140
    assert injected["429"] + injected["5xx"] == 200 - outcomes.count(True)
    assert {o for o in outcomes if o is not True} <= {429, 500, 502, 503}
    assert slack.team_info()["ok"], "rate 0 stops them"


def test_message_metadata_is_kept_and_shown_when_asked_for(slack: WebClient, team: Team) -> None:
    tag = {"event_type": "klaxon_alert", "event_payload": {"id": "C1/1.1"}}
    slack.chat_postMessage(channel=team.alerts, text="alert", metadata=tag)
    assert slack.conversations_history(channel=team.alerts, include_all_metadata=True)["messages"][0]["metadata"] == tag
    assert "metadata" not in slack.conversations_history(channel=team.alerts)["messages"][0]


def test_klaxons_client_repeats_a_gateway_error_only_where_a_repeat_changes_nothing(
    emulator: SlackEmulator, workspace: Workspace, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("slack_sdk.http_retry.handler.time.sleep", lambda seconds: None)
    client = web_client(BOT_TOKEN, emulator.api_url)
    posted = client.chat_postMessage(channel=team.alerts, text="alert")

    # A redraw or a read answered 502 or 504 is asked again: doing it twice is doing it once
    workspace.fail_next("chat.update", status=502)
    workspace.fail_next("users.info", status=504)
    assert client.chat_update(channel=team.alerts, ts=posted["ts"], text="alert (acknowledged)")["ok"]
    assert client.users_info(user=team.alice)["ok"]
    assert [c.status for c in workspace.calls("chat.update")] == [502, 200]
    assert [c.status for c in workspace.calls("users.info")] == [504, 200]

    # A post answered 502 may have been made: it is not made again blindly
    workspace.fail_next("chat.postMessage", status=502)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=team.alerts, text="second alert")
    assert [c.status for c in workspace.calls("chat.postMessage")] == [200, 502]


@pytest.mark.parametrize(("method", "safe"), [
    ("chat.update", True), ("conversations.info", True), ("users.list", True), ("reactions.get", True),
    ("conversations.history", True), ("conversations.open", True),
    ("chat.postMessage", False), ("chat.postEphemeral", False), ("reactions.add", False),
    ("conversations.create", False), ("conversations.invite", False), ("files.upload", False),
])
def test_which_methods_are_safe_to_repeat(method: str, safe: bool) -> None:
    assert repeatable(method) is safe
