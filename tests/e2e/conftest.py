"""End-to-end: the Slack emulator and the local cloud as separate processes, driven over HTTP only."""

from __future__ import annotations

from collections.abc import Iterator
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
