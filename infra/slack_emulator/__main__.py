"""`python -m infra.slack_emulator serve --port N [--app-url URL] [--signing-secret S] [--bot-token T] …`

`--rate-limits` enforces Slack's rate-limit tiers from the start (see rate_limits.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .server import SlackEmulator
from .settings import DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET


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
    serve.add_argument("--spec-path", default=None, help="Slack's Web API OpenAPI spec (default: shared fixtures)")
    options = parser.parse_args(argv)

    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emulator = SlackEmulator(options.port, options.app_url, options.signing_secret, options.spec_path,
                             host=options.host, bot_token=options.bot_token,
                             rate_limits=options.rate_limits).start()
    try:
        print(f"slack emulator on {emulator.url} (Web API {emulator.api_url})", flush=True)
        print("ready", flush=True)
        stopped.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
