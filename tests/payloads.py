"""Real payloads from Slack's, AWS's and monitoring projects' own test data.

tests/fixtures is an unchanged copy of the handouts' fixtures (../shared/fixtures; sources and licences
in its README), kept in the repository so the tests run from a clean clone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(relative: str) -> Any:
    """A JSON fixture, e.g. fixture("slack/events/event_message_subtype_bot_message.json")."""
    return json.loads((FIXTURES / relative).read_text())


def slack_event(name: str) -> dict[str, Any]:
    """The `event` inside one of Slack's event_callback fixtures."""
    return fixture(f"slack/events/{name}.json")["event"]
