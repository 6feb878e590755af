"""Bolt listeners, a module per feature: each acks at once; its lazy half parses the payload, calls one
klaxon service with the delivery's Services (the ports and the message bus klaxon.bootstrap built), logs.

    alerts.py     channel messages (the intake, keyword replies), handled and 📌 reactions, an alert post's buttons
    paging.py     mentions of Klaxon (commands in a comms channel, pages elsewhere), a page's Acknowledge button
    commands.py   /klaxon
    incidents.py  /incident, the "Declare incident" shortcut, incident forms, the headline post's buttons, pins

The domain (rules, RE2, alerting) is imported inside the lazy halves: acknowledging Slack needs none of
it, and a cold start's ack should not wait for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App

from klaxon.slack.lazy import acknowledge
from klaxon.slack.listeners import alerts, commands, incidents, paging

if TYPE_CHECKING:
    from klaxon.services import Services


def register(app: App, services: Callable[[], Services]) -> None:
    """Attach every feature's listeners to the app, then one that acks whatever else Slack sends."""
    alerts.register(app, services)
    paging.register(app, services)
    commands.register(app, services)
    incidents.register(app, services)
    # Anything else Slack sends is acknowledged and ignored: an unanswered event is retried by Slack
    # and, if it keeps failing, Slack turns the app's event subscription off.
    app.event(re.compile(".*"))(acknowledge)
