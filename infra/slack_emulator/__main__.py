"""`python -m infra.slack_emulator serve --port N [--app-url URL] [--signing-secret S] [--bot-token T] …`

`--rate-limits` enforces Slack's rate-limit tiers from the start (see rate_limits.py); `--socket-mode`
sends the app's events, commands and interactions down the WebSocket it opens with the app-level
token (`--app-token`) instead of to `--app-url` (see socket_mode.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .server import SlackEmulator
from .settings import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; prints `ready` on its own line once requests are accepted."""
    parser = argparse.ArgumentParser(prog="python -m infra.slack_emulator")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the emulator until killed")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--app-url", default=None, help="where the app receives events, e.g. http://127.0.0.1:3000/slack/events")
    serve.add_argument("--signing-secret", default=DEFAULT_SIGNING_SECRET)
    serve.add_argument("--bot-token", default=DEFAULT_BOT_TOKEN)
    serve.add_argument("--rate-limits", action="store_true", help="answer over-budget calls with 429 and Retry-After")
    serve.add_argument("--socket-mode", action="store_true", help="deliver to the app over Socket Mode")
    serve.add_argument("--app-token", default=DEFAULT_APP_TOKEN, help="the app-level token (xapp-)")
    serve.add_argument("--spec-path", default=None, help="Slack's Web API OpenAPI spec (default: shared fixtures)")
    options = parser.parse_args(argv)

    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emulator = SlackEmulator(options.port, options.app_url, options.signing_secret, options.spec_path,
                             host=options.host, bot_token=options.bot_token,
                             rate_limits=options.rate_limits, socket_mode=options.socket_mode,
                             app_token=options.app_token).start()
    try:
        print(f"slack emulator on {emulator.url} (Web API {emulator.api_url})", flush=True)
        print("ready", flush=True)
        stopped.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
