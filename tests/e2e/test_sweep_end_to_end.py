"""The sweep on its own schedule (SWEEP_SECONDS=1) in the local cloud, driven only over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infra.driver import StackDriver
from infra.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ticking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackDriver]:
    with LocalStack(log_dir=Path(tmp_path_factory.mktemp("ticking")), sweep_seconds=1) as processes:
        yield StackDriver(processes.cloud_url, processes.emulator_url)


def eventually(check: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the scheduled sweep did not get there in time")
        time.sleep(0.2)


def test_the_scheduled_sweep_posts_the_digest_and_clears_it_after_an_ack(ticking):
    ws = ticking.workspace
    alice = ws.add_user("alice")["id"]
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    ticking.klaxon(alice, "#alerts-prod", "rule add /error rate/ to #incidents")
    ticking.klaxon(alice, "#alerts-prod", "settings digest-after 1s")
    ws.post("#alerts-prod", "error rate 7% on api", bot="datadog")
    ticking.settle()
    (alert,) = ws.messages("#incidents")

    def digest_text() -> str:
        others = [m for m in ws.messages("#incidents") if m["ts"] != alert["ts"]]
        return others[0]["text"] if others else ""

    eventually(lambda: digest_text() == "1 alert nobody has acknowledged")
    ws.react(alice, "#incidents", alert["ts"], "white_check_mark")
    eventually(lambda: digest_text() == "Nothing unacknowledged")
    assert len(ws.messages("#incidents")) == 2
    assert ws.violations() == [] and ticking.dead_letters() == []
