"""The Slack function in-process: the emulator, the local cloud's HTTP API and moto's server in threads.

Everything between Slack and Klaxon is real HTTP: the emulator signs and sends events to the local
cloud's API route, the real handler runs, Bolt's lazy listener re-invokes the function through the
cloud's Lambda Invoke endpoint, and slack_sdk's WebClient calls the emulator's Web API.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from infra.driver import StackDriver
from infra.local import CloudOptions, LocalCloud
from infra.slack_emulator import SlackEmulator
from infra.stack import BOT_TOKEN, FIRST_PERSON, LINK_SIGNING_KEY, SIGNING_SECRET, webhook_secret_env
from klaxon.bootstrap import cold_start

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



def sweeps_at_once(cloud: LocalCloud, count: int = 2) -> None:
    """Run the sweep `count` times at the same moment, as overlapping EventBridge deliveries would."""
    sweeps = [threading.Thread(target=cloud.sweep) for _ in range(count)]
    for sweep in sweeps:
        sweep.start()
    for sweep in sweeps:
        sweep.join()
