"""Real payloads from ../shared/fixtures (Slack's, AWS's and monitoring projects' own test data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def fixture(relative: str) -> Any:
    """A JSON fixture, e.g. fixture("slack/events/event_message_subtype_bot_message.json")."""
    return json.loads((FIXTURES / relative).read_text())


def slack_event(name: str) -> dict[str, Any]:
    """The `event` inside one of Slack's event_callback fixtures."""
    return fixture(f"slack/events/{name}.json")["event"]
