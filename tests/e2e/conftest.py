"""End-to-end: the Slack emulator and the local cloud as separate processes, driven over HTTP only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infra.driver import StackDriver
from infra.stack import LocalStack


@pytest.fixture(scope="session")
def processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    logs = Path(tmp_path_factory.mktemp("local-stack"))
    with LocalStack(log_dir=logs, sweep_seconds=0) as stack:
        yield stack


@pytest.fixture
def e2e(processes: LocalStack) -> Iterator[StackDriver]:
    driver = StackDriver(processes.cloud_url, processes.emulator_url)
    driver.reset()
    yield driver
    driver.settle()
    assert driver.workspace.violations() == []
    assert driver.dead_letters() == []


@pytest.fixture(scope="module")
def ticking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackDriver]:
    """A stack whose sweep runs on its own schedule, every second (SWEEP_SECONDS=1)."""
    with LocalStack(log_dir=Path(tmp_path_factory.mktemp("ticking")), sweep_seconds=1) as processes:
        yield StackDriver(processes.cloud_url, processes.emulator_url)


def eventually(check: Callable[[], bool], timeout: float = 15) -> None:
    """Wait for the scheduled sweep to make `check` true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the scheduled sweep did not get there in time")
        time.sleep(0.2)
