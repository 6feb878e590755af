"""A Slack workspace stand-in over HTTP for the demo and the tests (stdlib only).

`SlackEmulator` serves Slack's Web API (checked against Slack's published spec) and sends the app
signed events, commands and interactions; `Workspace` drives it from tests and the demo.
"""

from .client import Workspace
from .records import CallRecord, Delivery, Outcome, Violation
from .server import SlackEmulator

__all__ = ["CallRecord", "Delivery", "Outcome", "SlackEmulator", "Violation", "Workspace"]
