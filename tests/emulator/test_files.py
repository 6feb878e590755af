"""Sharing a file as slack_sdk's files_upload_v2 does: get an upload URL, send the bytes, complete the upload."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import Workspace

from .app_double import RecordingApp
from .conftest import Team

MARKDOWN = "# Postmortem: checkout down\n\n## Timeline\n\n- 10:00 declared ✅\n"


def test_a_file_uploaded_to_a_channel_is_shared_there_with_its_comment(app: RecordingApp, slack: WebClient,
                                                                        workspace: Workspace, team: Team) -> None:
    done = slack.files_upload_v2(channel=team.alerts, content=MARKDOWN.encode(), filename="postmortem-x.md",
                                 title="Postmortem draft", initial_comment="the draft")
    (shared,) = workspace.files()
    assert done["file"]["id"] == shared["id"] and shared["title"] == "Postmortem draft"
    assert (shared["name"], shared["mimetype"], shared["content"]) == ("postmortem-x.md", "text/markdown", MARKDOWN)
    assert shared["size"] == len(MARKDOWN.encode()) and shared["channels"] == [team.alerts]
    (message,) = workspace.messages(team.alerts)
    assert (message["text"], message["subtype"], message["bot_id"]) == ("the draft", "file_share", "B0KLAXON")
    assert [f["id"] for f in message["files"]] == [shared["id"]] and "content" not in message["files"][0]
    workspace.wait_idle()
    assert [e.get("subtype") for e in app.events("message")] == ["file_share"]
    assert [c.method for c in workspace.calls()] == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert workspace.violations() == []


def test_completing_an_upload_whose_bytes_never_came_is_refused(slack: WebClient, workspace: Workspace,
                                                                 team: Team) -> None:
    started = slack.files_getUploadURLExternal(filename="x.md", length=10)
    with pytest.raises(SlackApiError) as refused:
        slack.files_completeUploadExternal(files=[{"id": started["file_id"], "title": "x"}], channel_id=team.alerts)
    assert refused.value.response["error"] == "file_not_found"
    assert workspace.files() == [] and workspace.messages(team.alerts) == []


def test_a_file_for_a_channel_klaxon_is_not_in_is_refused_and_a_missing_length_breaks_the_contract(
        slack: WebClient, workspace: Workspace, team: Team) -> None:
    with pytest.raises(SlackApiError) as refused:
        slack.files_upload_v2(channel=team.random, content=b"x", filename="x.md")
    assert refused.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError):
        slack.api_call("files.getUploadURLExternal", params={"filename": "x.md"})
    (violation,) = workspace.violations()
    assert violation.method == "files.getUploadURLExternal" and "length" in violation.reason
