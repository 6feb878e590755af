"""The host board end to end on the local cloud: GCP's uptime check failing and recovering arrives over HTTP,
the sweep keeps one board message in #hosts redrawn in place, and /klaxon hosts, mute and unmute work from the
emulated workspace. Klaxon's clock is the test's, so the board's cadence passes without waiting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.stack import WEBHOOK_SECRETS
from klaxon.bootstrap import cold_start
from tests.fakes import FakeClock
from tests.integration.slack_app.posts import block, posts
from tests.payloads import fixture

OPEN = "monitoring/Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json"
CLOSED = "monitoring/Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_closed.json"


@pytest.fixture
def clock(stack, alice, monkeypatch):
    stack.workspace.add_channel("hosts")
    monkeypatch.setenv("INCIDENTS_CHANNEL", stack.workspace.add_channel("incidents")["id"])
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    cold_start(clock=clock)
    yield clock
    cold_start()


def uptime(stack, name):
    status, answer = stack.webhook("gcp", fixture(name), query={"token": WEBHOOK_SECRETS["gcp"]})
    assert status == 200, answer
    return answer


def the_board(stack):
    (board,) = posts(stack, "#hosts")
    return board, "\n".join(block(board, b["block_id"]) for b in board["blocks"])


def test_an_uptime_check_failing_and_recovering_moves_the_host_on_one_board_message(stack, alice, clock):
    assert stack.klaxon(alice, "#hosts", "settings host-board #hosts").startswith(":white_check_mark:")
    uptime(stack, OPEN)
    stack.sweep()
    board, text = the_board(stack)
    assert "1 down, 0 muted, 0 up" in text and "*MYHOST* down since" in text
    assert "*MYHOST* down since" in stack.klaxon(alice, "#incidents", "hosts")

    assert "muted host `MYHOST`" in stack.klaxon(alice, "#incidents", "hosts mute MYHOST for 1h")
    clock.advance(minutes=5)
    stack.sweep()
    redrawn, text = the_board(stack)
    assert redrawn["ts"] == board["ts"] and "0 down, 1 muted, 0 up" in text and "*MYHOST* muted until" in text

    assert "unmuted host `MYHOST`" in stack.klaxon(alice, "#incidents", "hosts unmute MYHOST")
    uptime(stack, CLOSED)
    clock.advance(minutes=5)
    stack.sweep()
    recovered, text = the_board(stack)
    assert recovered["ts"] == board["ts"] and "0 down, 0 muted, 1 up" in text
    (alert,) = [message for message in posts(stack) if "alert.state" in str(message.get("blocks"))]
    assert block(alert, "alert.state").startswith("Resolved by gcp"), "the alert itself, resolved"
