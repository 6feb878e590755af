"""The emulated Slack workspace and the local cloud, started as separate processes wired to each other.

Used by `make demo` and the end-to-end tests: two real processes talking real HTTP, exactly the
commands a developer runs by hand (`python -m infra.slack_emulator serve`, `python -m infra.local serve`).
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from infra.template import REPO_ROOT

SIGNING_SECRET = "emulator-signing-secret"
BOT_TOKEN = "xoxb-klaxon-emulator"
WEBHOOK_SECRET = "local-generic-webhook-secret"  # the generic source's Bearer secret (WEBHOOK_SECRET_GENERIC)
LINK_SIGNING_KEY = "local-link-signing-key-for-the-demo-and-tests"  # what links to incident pages are signed with
# Each source's secret on the local stack (WEBHOOK_SECRET_<KEY>, the keys of the webhook secret in AWS).
WEBHOOK_SECRETS = {"generic": WEBHOOK_SECRET, "gcp": "local-gcp-webhook-secret",
                   "alertmanager": "local-alertmanager-webhook-secret", "grafana": "local-grafana-webhook-secret",
                   "grafana_hmac": "local-grafana-hmac-secret"}


def webhook_secret_env() -> dict[str, str]:
    """The local stack's webhook secrets as the environment gives them to the local cloud."""
    return {f"WEBHOOK_SECRET_{key.upper()}": secret for key, secret in WEBHOOK_SECRETS.items()}
APP_TOKEN = "xapp-1-A0KLAXON-1-emulator"  # the emulator's app-level token, for Socket Mode
# The emulator numbers ids in creation order after a reset: the first person created is U00000001,
# and the demo and the end-to-end tests make that person Klaxon's admin.
FIRST_PERSON = "U00000001"
FIRST_CHANNEL = "C00000001"  # likewise the first public channel: the demo's #incidents (INCIDENTS_CHANNEL)
READY_TIMEOUT = 60.0


def free_port() -> int:
    """A loopback port nobody is listening on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    """One child process that prints `ready` once it serves; its output is kept in a log file."""

    name: str
    command: list[str]
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[str] | None = None
    _log: IO[str] | None = field(default=None, repr=False)

    def start(self) -> None:
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, env=dict(self.env), text=True,
                                        stdout=subprocess.PIPE, stderr=self._log)
        _wait_for_ready(self)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._log:
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""


def _wait_for_ready(service: Service) -> None:
    assert service.process and service.process.stdout
    lines: queue.Queue[str] = queue.Queue()
    stdout = service.process.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)
            if service._log:
                service._log.write(line)
                service._log.flush()

    threading.Thread(target=pump, name=f"{service.name}-stdout", daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if lines.get(timeout=0.2).strip() == "ready":
                return
        except queue.Empty:
            if service.process.poll() is not None:
                break
    service.stop()
    raise RuntimeError(f"{service.name} did not print 'ready':\n{service.log()[-4000:]}")


@dataclass
class LocalStack:
    """The Slack emulator and the local cloud as two processes; `with LocalStack(...) as stack:`.

    With `socket_mode`, the emulator delivers over Socket Mode and the cloud connects with the app
    token, as `make serve` does against a real workspace; nothing is POSTed to the cloud by Slack.
    """

    log_dir: Path
    sweep_seconds: float = 0
    socket_mode: bool = False
    extra_env: Mapping[str, str] = field(default_factory=dict)
    emulator_port: int = field(default_factory=free_port)
    cloud_port: int = field(default_factory=free_port)
    services: list[Service] = field(default_factory=list)

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    @property
    def cloud_url(self) -> str:
        return f"http://127.0.0.1:{self.cloud_port}"

    def __enter__(self) -> LocalStack:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        base = {key: value for key, value in os.environ.items() if not key.startswith("AWS_ENDPOINT_URL")}
        emulator = Service("slack-emulator", [
            sys.executable, "-m", "infra.slack_emulator", "serve", "--port", str(self.emulator_port),
            "--app-url", f"{self.cloud_url}/slack/events", "--signing-secret", SIGNING_SECRET,
            "--bot-token", BOT_TOKEN, "--app-token", APP_TOKEN, *(["--socket-mode"] if self.socket_mode else []),
        ], base, self.log_dir / "slack-emulator.log")
        cloud_env = {
            **base,
            "SLACK_API_URL": f"{self.emulator_url}/api/",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SWEEP_SECONDS": str(self.sweep_seconds),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "ADMIN_USERS": FIRST_PERSON,
            **webhook_secret_env(),
            "LINK_SIGNING_KEY": LINK_SIGNING_KEY,
            **({"SLACK_APP_TOKEN": APP_TOKEN} if self.socket_mode else {}),
            **self.extra_env,
        }
        cloud = Service("local-cloud", [sys.executable, "-m", "infra.local", "serve", "--port", str(self.cloud_port),
                                        "--log-level", "INFO"], cloud_env, self.log_dir / "local-cloud.log")
        try:
            for service in (emulator, cloud):
                service.start()
                self.services.append(service)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()
