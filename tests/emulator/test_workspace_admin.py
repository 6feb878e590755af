"""Looking at the workspace, resetting it, rendering it, and running the emulator as a process."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import SlackEmulator, Workspace
from infra.slack_emulator.client import WorkspaceError

from .app_double import RecordingApp
from .conftest import Team

REPO = Path(__file__).resolve().parents[2]


def test_reset_empties_the_workspace_but_keeps_who_klaxon_is(app: RecordingApp, slack: WebClient,
                                                             workspace: Workspace, team: Team) -> None:
    slack.chat_postMessage(channel=team.alerts, text="before")
    workspace.rate_limit("auth.test")

    workspace.reset()

    state = workspace.state()
    assert state["channels"] == [] and workspace.calls() == [] and workspace.deliveries() == []
    assert {u["name"] for u in state["users"]} == {"klaxon", "slackbot"}
    assert state["settings"]["app_url"] == app.url
    assert slack.auth_test()["user_id"] == "U0KLAXON"  # the armed rate limit is gone too
    assert workspace.add_user("dave")["id"] == team.alice  # ids start over, deterministically


def test_render_shows_channels_threads_reactions_dms_and_ephemerals(slack: WebClient, workspace: Workspace,
                                                                    team: Team) -> None:
    workspace.add_bot("grafana")
    alert = workspace.post(team.alerts, "", bot="grafana",
                           attachments=[{"title": "[Alerting] CPU high", "text": "db-1 at 97%"}]).ts
    slack.chat_postMessage(channel=team.alerts, text=f"Paging <@{team.alice}>", thread_ts=alert)
    workspace.react("alice", team.alerts, alert, "white_check_mark")
    slack.chat_postMessage(channel=team.bob, text="You are paged: CPU high",
                           blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "You are paged: CPU high"}},
                                   {"type": "actions", "elements": [
                                       {"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"},
                                        "action_id": "ack"}]}])
    slack.chat_postEphemeral(channel=team.alerts, user=team.alice, text="Rule saved")

    text = workspace.render()

    assert "#alerts (C" in text and f"#random ({team.random}, klaxon not a member)" in text
    assert "grafana (bot): " in text and "*[Alerting] CPU high*" in text and "db-1 at 97%" in text
    assert "| [" in text and "klaxon (bot): Paging @alice" in text
    assert ":white_check_mark: alice" in text
    assert "klaxon <-> bob" in text and "[Acknowledge]" in text
    assert "to alice in #alerts (chat.postEphemeral)" in text and "Rule saved" in text


def test_state_lists_everything_as_json(workspace: Workspace, team: Team) -> None:
    workspace.post(team.alerts, "hi", user="alice")

    state = workspace.state()

    alerts = next(c for c in state["channels"] if c["id"] == team.alerts)
    assert [m["text"] for m in alerts["messages"]] == ["hi"]
    assert state["identity"]["team_domain"] == "klaxon-demo"


def test_unknown_people_and_channels_are_control_errors(workspace: Workspace, team: Team) -> None:
    with pytest.raises(WorkspaceError, match="no user zed"):
        workspace.post(team.alerts, "hi", user="zed")
    with pytest.raises(WorkspaceError, match="no channel #nope"):
        workspace.post("#nope", "hi", user="alice")


def test_the_spec_path_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"paths": {"/auth.test": {"get": {"parameters": []}}}}))
    monkeypatch.setenv("SLACK_SPEC_PATH", str(spec))

    with SlackEmulator() as emulator:
        client = WebClient(token="xoxb-klaxon-emulator", base_url=emulator.api_url)
        assert client.auth_test()["ok"]
        with pytest.raises(SlackApiError) as raised:
            client.team_info()  # real Slack has it; this spec does not

    assert raised.value.response["error"] == "unknown_method"


def test_serve_prints_ready_and_answers_until_killed() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.slack_emulator", "serve", "--port", "0", "--bot-token", "xoxb-other"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(2)]
        assert lines[1] == "ready"
        api_url = lines[0].split("Web API ")[1].rstrip(")")
        request = urllib.request.Request(f"{api_url}auth.test", method="POST",
                                         headers={"Authorization": "Bearer xoxb-other"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["user_id"] == "U0KLAXON"
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
