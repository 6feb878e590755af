"""`python -m infra.local serve --port N`: the stack on 127.0.0.1:N until interrupted.

Prints `ready` on its own line once it accepts requests (the contract tests and the demo wait for).
Slack's Web API is wherever SLACK_API_URL points; the sweep ticks every SWEEP_SECONDS (default: the
template's schedule). With SLACK_APP_TOKEN (an app-level `xapp-` token) it also connects to Slack over
Socket Mode, so a real workspace reaches it with no public URL; it prints `ready` once connected.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from slack_sdk.errors import SlackApiError

from infra.local.cloud import CloudOptions, LocalCloud
from infra.local.socket_mode import SocketModeError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the template's routes on loopback")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--sweep-seconds", type=float, default=None,
                       help="sweep period (0 disables the schedule); default SWEEP_SECONDS or the template's")
    serve.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)

    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    app_token = os.environ.get("SLACK_APP_TOKEN", "").strip() or None
    options = CloudOptions(port=args.port, host=args.host, sweep_seconds=args.sweep_seconds, app_token=app_token)
    try:
        cloud = LocalCloud(options).start()
    except (SocketModeError, SlackApiError) as error:  # a wrong token or secret: say which, no traceback
        print(f"cannot connect to Slack over Socket Mode: {error}", file=sys.stderr, flush=True)
        return 2
    try:
        mode = " and connected to Slack over Socket Mode" if app_token else ""
        print(f"klaxon local cloud on {cloud.url}{mode}", file=sys.stderr, flush=True)
        print("ready", flush=True)
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
