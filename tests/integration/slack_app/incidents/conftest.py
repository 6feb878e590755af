"""Declared incidents through Slack: a workspace with an incidents channel (INCIDENTS_CHANNEL) and #ops."""

from __future__ import annotations

import pytest

from infra.driver import StackDriver
from klaxon.bootstrap import cold_start


@pytest.fixture
def workspace(stack: StackDriver, alice: str, bob: str, monkeypatch: pytest.MonkeyPatch) -> StackDriver:
    """#incidents (the deployment's INCIDENTS_CHANNEL) and #ops, Alice (an admin) and Bob in both."""
    ws = stack.workspace
    incidents = ws.add_channel("incidents", members=["alice", "bob"])["id"]
    ws.add_channel("ops", members=["alice", "bob"])
    monkeypatch.setenv("INCIDENTS_CHANNEL", incidents)
    cold_start()  # the functions read their settings anew, as after a deploy
    return stack
