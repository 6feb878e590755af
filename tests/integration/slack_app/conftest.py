"""The Slack function in-process: the emulator, the local cloud's HTTP API and moto's server in threads.

Everything between Slack and Klaxon is real HTTP: the emulator signs and sends events to the local
cloud's API route, the real handler runs, Bolt's lazy listener re-invokes the function through the
cloud's Lambda Invoke endpoint, and slack_sdk's WebClient calls the emulator's Web API.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.driver import StackDriver
from infra.local import CloudOptions, LocalCloud
from infra.slack_emulator import SlackEmulator
from infra.stack import BOT_TOKEN, FIRST_PERSON, LINK_SIGNING_KEY, SIGNING_SECRET, webhook_secret_env
from klaxon.bootstrap import cold_start
from klaxon.clock import SystemClock

ADMIN = FIRST_PERSON


@pytest.fixture(scope="package")
def local_stack() -> Iterator[tuple[StackDriver, LocalCloud]]:
    saved = dict(os.environ)
    with SlackEmulator(signing_secret=SIGNING_SECRET) as slack:
        os.environ.update(SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=BOT_TOKEN,
                          SLACK_SIGNING_SECRET=SIGNING_SECRET, TABLE_NAME="klaxon-it", ADMIN_USERS=ADMIN,
                          LINK_SIGNING_KEY=LINK_SIGNING_KEY, **webhook_secret_env())
        cold_start()
        cloud = LocalCloud(CloudOptions(port=0, sweep_seconds=0, async_retry_seconds=0.05))
        with cloud:
            driver = StackDriver(cloud.url, slack.url)
            driver.workspace.configure(app_url=f"{cloud.url}/slack/events")
            yield driver, cloud
    os.environ.clear()
    os.environ.update(saved)
    cold_start()


@pytest.fixture
def stack(local_stack: tuple[StackDriver, LocalCloud]) -> Iterator[StackDriver]:
    """An empty workspace and an empty table for each test; any Slack spec violation fails the test."""
    driver, cloud = local_stack
    driver.workspace.reset()
    cloud.reset()  # fresh containers too: the emulator reuses ids and names after a reset, caches must not
    yield driver
    driver.settle()
    assert driver.workspace.violations() == []


@pytest.fixture
def alice(stack: StackDriver) -> str:
    """An admin (created first, so she gets the id ADMIN_USERS names)."""
    user = stack.workspace.add_user("alice", real_name="Alice Admin", tz="Asia/Tokyo")["id"]
    assert user == ADMIN
    return str(user)


@pytest.fixture
def bob(stack: StackDriver, alice: str) -> str:
    """Someone who is not an admin."""
    return str(stack.workspace.add_user("bob", real_name="Bob Builder")["id"])



@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Moves the stack's clock: `later(minutes=5)` makes every function see five more minutes gone by."""
    shift = [timedelta(0)]
    monkeypatch.setattr(SystemClock, "now", lambda self: datetime.now(UTC) + shift[0])

    def move(**delta: float) -> None:
        shift[0] += timedelta(**delta)

    return move


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    """Every record Klaxon (and Bolt, under klaxon.bolt) logs during the test."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(logging.DEBUG)
    logging.getLogger("klaxon").addHandler(keep)
    yield records
    logging.getLogger("klaxon").removeHandler(keep)


def monitoring_scene(stack: StackDriver, admin: str, rule: str) -> dict[str, Any]:
    """#incidents, #alerts-prod where the datadog bot posts, and `rule add <rule>` by `admin`; then the bot
    posts "disk 97% on db-1". Returns Klaxon's repost (None if the rule reposts nothing at once)."""
    ws = stack.workspace
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    assert stack.klaxon(admin, "#alerts-prod", f"rule add {rule}").startswith(":white_check_mark:")
    ws.post("#alerts-prod", "disk 97% on db-1", bot="datadog")
    stack.settle()
    reposts = ws.messages("#incidents")
    return reposts[0] if reposts else None
