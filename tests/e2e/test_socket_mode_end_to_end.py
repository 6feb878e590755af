"""Socket Mode end to end: `python -m infra.local serve` with SLACK_APP_TOKEN, as `make serve` runs against a
real workspace, and the emulator delivering over Socket Mode - no request URL is ever called by Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.driver import StackDriver
from infra.stack import LocalStack
from klaxon.slack.actions import ActionId
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def over_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The two processes in Socket Mode, the sweep ticking every second."""
    with LocalStack(log_dir=Path(tmp_path_factory.mktemp("socket-mode")), socket_mode=True,
                    sweep_seconds=1) as stack:
        yield stack


@pytest.fixture
def stack(over_socket: LocalStack) -> Iterator[StackDriver]:
    driver = StackDriver(over_socket.cloud_url, over_socket.emulator_url)
    driver.reset()
    driver.workspace.configure(delivery_timeout=10.0, socket_retry_delays=[0, 60, 300])
    yield driver
    driver.settle()
    assert driver.workspace.violations() == []
    assert driver.dead_letters() == []


def set_up(stack: StackDriver) -> str:
    ws = stack.workspace
    alice = str(ws.add_user("alice")["id"])
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    answer = stack.klaxon(alice, "#alerts-prod", 'rule add /disk (full|9\\d%)/ to #incidents label "[Disk]"')
    assert answer.startswith(":white_check_mark:"), answer
    return alice


def state_line(message: dict) -> str:
    return str(next(b for b in message["blocks"] if b["block_id"] == "alert.state")["elements"][0]["text"])


def test_a_command_an_alert_a_button_and_the_sweep_all_over_socket_mode(stack: StackDriver) -> None:
    ws = stack.workspace
    alice = set_up(stack)
    stack.klaxon(alice, "#alerts-prod", "settings digest-after 1s")

    # A monitoring message becomes one repost
    ws.post("#alerts-prod", "disk 97% on db-7", bot="datadog")
    stack.settle()
    (repost,) = ws.messages("#incidents")
    assert "[Disk]" in repost["blocks"][0]["text"]["text"]

    # The scheduled sweep posts the digest
    def digest() -> str:
        others = [m for m in ws.messages("#incidents") if m["ts"] != repost["ts"]]
        return str(others[0]["text"]) if others else ""

    eventually(lambda: digest() == "1 alert nobody has acknowledged")

    # The Acknowledge button, clicked, acknowledges; the next sweep clears the digest
    clicked = ws.click(alice, "#incidents", repost["ts"], ActionId.ACKNOWLEDGE_ALERT.value)
    stack.settle()
    post = next(m for m in ws.messages("#incidents") if m["ts"] == repost["ts"])
    assert clicked.delivery.ok and state_line(post).startswith(f"Acknowledged by <@{alice}>")
    eventually(lambda: digest() == "Nothing unacknowledged")

    # Everything Slack sent went down the socket, acknowledged in time
    deliveries = ws.deliveries()
    assert {d.kind for d in deliveries} == {"event", "command", "interaction"}
    assert all(d.url and d.url.startswith("ws://") and d.ok and not d.late for d in deliveries)


def test_an_envelope_acknowledged_too_late_comes_again_and_changes_nothing(stack: StackDriver) -> None:
    ws = stack.workspace
    set_up(stack)

    # Given Slack gives up on the first envelope before any app could answer (1 ms) and retries in 1 s
    ws.configure(delivery_timeout=0.001, socket_retry_delays=[1, 60, 300])
    original = ws.post("#alerts-prod", "disk full on db-3", bot="datadog")
    ws.configure(delivery_timeout=10.0)
    stack.settle()

    # Then the retry carried Slack's retry number, and Klaxon, which did the work the first time, reposted once
    assert original.delivery.failure == "timeout"
    attempts = [d for d in ws.deliveries() if d.id == original.delivery.id]
    assert [(d.attempt, d.ok) for d in attempts] == [(0, False), (1, True)]
    assert '"retry_attempt": 1' in attempts[1].request_body and '"retry_reason": "timeout"' in attempts[1].request_body
    assert len(ws.messages("#incidents")) == 1
    assert len(stack.items("ALERT#")) == 1


@pytest.mark.parametrize("reason", ["refresh_requested", "link_disabled"])
def test_the_local_cloud_reconnects_when_slack_says_disconnect(stack: StackDriver, reason: str) -> None:
    ws = stack.workspace
    set_up(stack)
    opened = len(ws.socket_connections())

    assert ws.socket_disconnect(reason) == 1
    eventually(lambda: len(ws.socket_connections()) == opened + 1
               and [c["retiring"] for c in ws.socket_connections() if c["closed_at"] is None] == [False])
    after = ws.post("#alerts-prod", f"disk full on db-9 after {reason}", bot="datadog")
    stack.settle()

    assert after.delivery.ok and after.delivery.url != ws.deliveries()[0].url
    assert len(ws.messages("#incidents")) == 1
