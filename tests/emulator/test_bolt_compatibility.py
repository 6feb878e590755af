"""A real Bolt app, driven through the emulator, behaves as it would against Slack."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient

from infra.slack_emulator import SlackEmulator, Workspace

from .conftest import BOT_TOKEN, SIGNING_SECRET, Team


class BoltServer:
    """Bolt's request dispatch behind a stdlib HTTP server (what the local cloud does through Lambda)."""

    def __init__(self, bolt: App) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in self.headers.items()}
                response = bolt.dispatch(BoltRequest(body=body, headers=headers))
                data = response.body.encode()
                self.send_response(response.status)
                for name, values in response.headers.items():
                    for value in values:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def heard(emulator: SlackEmulator, workspace: Workspace) -> Iterator[list[str]]:
    """A Bolt app like Klaxon's, listening at the emulator's app_url; yields what its listeners saw."""
    heard: list[str] = []
    bolt = App(client=WebClient(token=BOT_TOKEN, base_url=emulator.api_url), signing_secret=SIGNING_SECRET,
               process_before_response=True)

    @bolt.event("app_mention")
    def page(event: dict[str, Any], say: Say) -> None:
        say(text=f"Paging on-call for <@{event['user']}>", thread_ts=event["ts"])

    @bolt.event("message")
    def watch(message: dict[str, Any]) -> None:
        heard.append(message.get("text", ""))

    @bolt.command("/klaxon")
    def klaxon(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack(f"Working on `{command['text']}`")
        respond(text="No rules yet")

    @bolt.action("alert_ack")
    def acknowledge(ack: Ack, respond: Respond, body: dict[str, Any]) -> None:
        ack()
        respond(text=f"Acknowledged by <@{body['user']['id']}>", replace_original=True)

    server = BoltServer(bolt)
    workspace.configure(app_url=server.url)
    yield heard
    server.stop()


def test_bolt_hears_people_and_ignores_its_own_posts(heard: list[str], workspace: Workspace, team: Team) -> None:
    # When alice mentions Klaxon
    posted = workspace.post(team.alerts, "<@U0KLAXON> db is down", user="alice")
    workspace.wait_idle()

    # Then Bolt answered in the thread, heard alice's message, and ignored its own reply's event
    [parent] = workspace.messages(team.alerts)
    replies = workspace.thread(team.alerts, parent["ts"])[1:]
    assert [r["text"] for r in replies] == [f"Paging on-call for <@{team.alice}>"]
    assert heard == ["<@U0KLAXON> db is down"]
    assert all(d.ok for d in workspace.deliveries()) and len(workspace.deliveries()) == 3
    assert posted.deliveries[1].event_type == "app_mention"


def test_bolt_commands_ack_and_respond(heard: list[str], workspace: Workspace, team: Team) -> None:
    workspace.command("alice", team.alerts, "/klaxon", "rule list")

    # process_before_response: respond() runs before the ack goes back, so its answer shows first
    assert [e["text"] for e in workspace.ephemerals("alice")] == ["No rules yet", "Working on `rule list`"]
    assert workspace.violations() == []


def test_bolt_actions_replace_the_clicked_message(heard: list[str], slack: WebClient, workspace: Workspace,
                                                  team: Team) -> None:
    blocks = [{"type": "actions", "elements": [{"type": "button", "action_id": "alert_ack", "value": "a1",
                                                "text": {"type": "plain_text", "text": "Acknowledge"}}]}]
    ts = slack.chat_postMessage(channel=team.alerts, text="[Error] disk full", blocks=blocks)["ts"]

    outcome = workspace.click("bob", team.alerts, ts, "alert_ack")
    workspace.wait_idle()

    assert outcome.delivery.ok
    assert workspace.messages(team.alerts)[0]["text"] == f"Acknowledged by <@{team.bob}>"


def test_bolt_rejects_what_slack_did_not_sign(heard: list[str], workspace: Workspace) -> None:
    body = '{"type": "event_callback", "event": {"type": "message", "text": "forged"}}'

    assert workspace.send_raw(body, signing="bad").status == 401
    assert workspace.send_raw(body, timestamp_age=600).status == 401
    assert heard == []
