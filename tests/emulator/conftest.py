"""Fixtures: an emulator on a free port, a recording app it delivers to, and Slack's real WebClient."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient

from infra.slack_emulator import SlackEmulator, Workspace

from .app_double import RecordingApp

SIGNING_SECRET = "emulator-signing-secret"
BOT_TOKEN = "xoxb-klaxon-emulator"


@pytest.fixture
def app() -> Iterator[RecordingApp]:
    app = RecordingApp(SIGNING_SECRET)
    yield app
    app.stop()


@pytest.fixture
def emulator(app: RecordingApp) -> Iterator[SlackEmulator]:
    with SlackEmulator(app_url=app.url, signing_secret=SIGNING_SECRET) as emulator:
        yield emulator


@pytest.fixture
def workspace(emulator: SlackEmulator) -> Workspace:
    return Workspace(emulator.url)


@pytest.fixture
def slack(emulator: SlackEmulator) -> WebClient:
    """What the app uses: slack_sdk's WebClient pointed at the emulator."""
    return WebClient(token=BOT_TOKEN, base_url=emulator.api_url)


@dataclass(frozen=True)
class Team:
    """A small on-call team: alice and bob, #alerts (Klaxon in it) and #random (Klaxon not in it)."""

    alice: str
    bob: str
    alerts: str
    random: str


@pytest.fixture
def team(workspace: Workspace) -> Team:
    alice = workspace.add_user("alice", real_name="Alice Doe", tz="Europe/Paris")["id"]
    bob = workspace.add_user("bob", real_name="Bob Roe")["id"]
    alerts = workspace.add_channel("alerts", members=[alice, bob])["id"]
    random = workspace.add_channel("random", members=[alice], bot_member=False)["id"]
    return Team(alice, bob, alerts, random)
