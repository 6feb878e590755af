"""Who the emulated workspace and app are, and how the emulator reaches the app."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SIGNING_SECRET = "emulator-signing-secret"
DEFAULT_BOT_TOKEN = "xoxb-klaxon-emulator"
# An app-level token (Socket Mode's apps.connections.open takes only this kind).
DEFAULT_APP_TOKEN = "xapp-1-A0KLAXON-1-emulator"

# Slack gives an app 3 seconds to answer a request; a slower answer counts as a failed delivery.
SLACK_ACK_SECONDS = 3.0


@dataclass(frozen=True)
class Identity:
    """The workspace and the installed Klaxon app, fixed for the emulator's lifetime."""

    team_id: str = "T0KLAXON"
    team_name: str = "Klaxon Demo"
    team_domain: str = "klaxon-demo"
    bot_user_id: str = "U0KLAXON"
    bot_id: str = "B0KLAXON"
    app_id: str = "A0KLAXON"
    bot_name: str = "klaxon"
    bot_token: str = DEFAULT_BOT_TOKEN
    app_token: str = DEFAULT_APP_TOKEN
    # Legacy field Slack still puts in every payload; apps should verify signatures instead.
    verification_token: str = "emulator-verification-token"

    @property
    def team_url(self) -> str:
        return f"https://{self.team_domain}.slack.com/"


@dataclass
class Settings:
    """What may change at runtime through the control API."""

    app_url: str | None = None
    # Where the emulator itself is reached (set when it starts): upload URLs point here.
    web_url: str = "http://127.0.0.1"
    signing_secret: str = DEFAULT_SIGNING_SECRET
    # Generous by default so a cold local app is not cut off; `Delivery.late` still flags > 3 s.
    delivery_timeout: float = 10.0
    # Slack's trigger_ids expire after 3 seconds.
    trigger_ttl: float = 3.0
    # Socket Mode: requests for the app go down its WebSocket instead of to app_url.
    socket_mode: bool = False
    # When Slack sends an unacknowledged event again: at once, after a minute, after five minutes.
    socket_retry_delays: tuple[float, ...] = (0.0, 60.0, 300.0)
