"""The emulator's HTTP server: the Web API at `/api/`, the control API at `/_emulator/`."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .activity import Activity
from .control import Control
from .delivery import Deliverer
from .errors import ControlError
from .faults import Faults
from .interactions import Interactions
from .methods.files import UPLOAD_PREFIX
from .rate_limits import Clock, RateLimits
from .settings import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, Identity, Settings
from .socket_mode import SocketMode
from .spec import WebApiSpec
from .state import WorkspaceState
from .web_api import WebApi

RESPOND_PREFIX = "/_emulator/respond/"


class SlackEmulator:
    """A Slack workspace stand-in over HTTP.

    `SlackEmulator(port=0, app_url=…)`, then `.start()` (or `with`), point the app's `WebClient` at
    `.api_url`, and drive the workspace through `Workspace(emulator.url)`. `rate_limits=True`
    enforces Slack's rate-limit tiers from the start, measured on `clock` (default: real time);
    `socket_mode=True` sends the app's events, commands and interactions down the WebSocket it opens
    with `app_token` (apps.connections.open) instead of to `app_url`.
    """

    def __init__(self, port: int = 0, app_url: str | None = None,
                 signing_secret: str = DEFAULT_SIGNING_SECRET, spec_path: str | Path | None = None, *,
                 host: str = "127.0.0.1", bot_token: str = DEFAULT_BOT_TOKEN, rate_limits: bool = False,
                 clock: Clock | None = None, socket_mode: bool = False, app_token: str = DEFAULT_APP_TOKEN) -> None:
        self._address = (host, port)
        self.identity = Identity(bot_token=bot_token, app_token=app_token)
        self.settings = Settings(app_url=app_url, signing_secret=signing_secret, socket_mode=socket_mode)
        self.state = WorkspaceState(self.identity)
        self.faults = Faults()
        self.rate_limits = RateLimits(self.identity.team_id, clock or time.monotonic, enabled=rate_limits)
        self.socket_mode = SocketMode(self.identity, self.settings, host)
        self.deliverer = Deliverer(self.settings, self.socket_mode)
        self.web_api = WebApi(self.state, WebApiSpec.load(spec_path), self.settings, self.faults, self.deliverer,
                              self.rate_limits, self.socket_mode)
        self.activity = Activity(self.state, self.deliverer)
        self.interactions = Interactions(self.state, self.deliverer, self.activity, lambda: self.url)
        self.control = Control(self.state, self.settings, self.deliverer, self.faults, self.activity,
                               self.interactions, self.rate_limits, self.socket_mode)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SlackEmulator:
        """Bind and serve in a daemon thread; returns self."""
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(self._address, handler)
        self._server.daemon_threads = True
        self.deliverer.start()
        # A short poll keeps stop() quick; tests start and stop an emulator each.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="slack-emulator",
                                        daemon=True)
        self._thread.start()
        self.settings.web_url = self.url
        return self

    def stop(self) -> None:
        """Stop serving and delivering."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.deliverer.stop()
        self.socket_mode.stop()

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:PORT`."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL for `WebClient(base_url=…)`."""
        return f"{self.url}/api/"

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    emulator: SlackEmulator
    server_version = "SlackEmulator/1.0"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature; quiet
        return

    def _dispatch(self, verb: str) -> None:
        url = urlsplit(self.path)
        try:
            if url.path.startswith("/api/"):
                self._web_api(url.path.removeprefix("/api/"), url.query)
            elif url.path.startswith(UPLOAD_PREFIX) and verb == "POST":
                self._upload(url.path.removeprefix(UPLOAD_PREFIX))
            elif url.path.startswith(RESPOND_PREFIX):
                self._respond(url.path.removeprefix(RESPOND_PREFIX))
            elif url.path.startswith("/_emulator/"):
                self._control(verb, url.path.removeprefix("/_emulator/"), url.query)
            else:
                self._send(404, "application/json", json.dumps({"error": f"nothing at {url.path}"}))
        except ControlError as error:
            self._send(error.status, "application/json", json.dumps({"error": str(error)}))
        except Exception as error:  # noqa: BLE001 - a bug must answer 500, not kill the thread
            self._send(500, "application/json", json.dumps({"ok": False, "error": "emulator_error",
                                                            "detail": repr(error)}))

    def _web_api(self, method: str, query: str) -> None:
        args = _flat(parse_qs(query, keep_blank_values=True))
        body = self._body()
        if body and self._content_type() == "application/json":
            try:
                parsed = json.loads(body)
            except json.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, dict):
                self._send(200, "application/json", json.dumps({"ok": False, "error": "invalid_json"}))
                return
            args |= parsed
        elif body:
            args |= _flat(parse_qs(body.decode(), keep_blank_values=True))
        token = args.pop("token", None)
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
        answer = self.emulator.web_api.call(method, args, token)
        try:
            self._send(answer.status, "application/json; charset=utf-8", json.dumps(answer.body), answer.headers)
        finally:
            answer.answered.set()

    def _upload(self, file_id: str) -> None:
        """A file's bytes sent to the URL files.getUploadURLExternal gave (Slack answers `OK - <length>`)."""
        data = self._body()
        state = self.emulator.state
        with state.lock:
            upload = state.uploads.get(file_id)
            if upload is not None:
                upload.data = data
        if upload is None:
            self._send(404, "text/plain", f"no upload {file_id}")
        else:
            self._send(200, "text/plain", f"OK - {len(data)}")

    def _respond(self, url_id: str) -> None:
        answered = threading.Event()
        try:
            status, text = self.emulator.interactions.respond(url_id, self._body(), answered)
            self._send(status, "text/html", text)
        finally:
            answered.set()

    def _control(self, verb: str, name: str, query: str) -> None:
        params: dict[str, Any] = _flat(parse_qs(query))
        body = self._body()
        if body:
            try:
                params |= json.loads(body)
            except json.JSONDecodeError as error:
                raise ControlError(f"control requests take JSON: {error}") from None
        content_type, text = self.emulator.control.handle(verb, name, params)
        self._send(200, content_type, text)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def _send(self, status: int, content_type: str, text: str, headers: dict[str, str] | None = None) -> None:
        data = text.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # a late answer (a timeout fault): the app has given up on it


def _flat(values: dict[str, list[str]]) -> dict[str, Any]:
    return {key: items[-1] for key, items in values.items()}
