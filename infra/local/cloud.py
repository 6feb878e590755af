"""The local cloud: template.yaml's stack on loopback, without Docker or an AWS account.

- API Gateway: the template's HttpApi routes on 127.0.0.1:PORT, each request turned into a payload-v2
  event and handed to the real handler in-process.
- Lambda: the same port answers the Lambda `Invoke` API (AWS_ENDPOINT_URL_LAMBDA points here), so Bolt's
  lazy listeners re-invoke the Slack function exactly as in AWS, asynchronously, with retries.
- DynamoDB, Secrets Manager and SSM: moto's server on another loopback port, the table created from the
  template's own definition, the Slack credentials, webhook secrets and link key stored as the template's
  secrets, and the public address (PUBLIC_BASE_URL, else the cloud's own) as the template's parameter.
- EventBridge: the sweep function ticks on its schedule (SWEEP_SECONDS overrides the period).
- Socket Mode (with an app-level token): Slack's envelopes reach the same route, signed as over HTTP,
  with no public URL (infra/local/socket_mode.py).

A few control routes under /_local/ let tests and the demo wait for asynchronous work and run a sweep
on demand; they are not part of the template and AWS has no equivalent. `/_local/sns/` stands in for SNS's
certificate and confirmation URLs (SNS_LOCAL_MIRROR points the webhooks function there): certificates come
from the directory SNS_LOCAL_CERTIFICATES names, by SNS's file name; confirmations are recorded, not sent.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import boto3

from infra import template as tpl
from infra.local.http_api import HttpRequest, HttpResponse, build_event, to_http_response
from infra.local.lambda_runtime import ACCOUNT_ID, REGION, AsyncInvoker, LocalFunction
from klaxon.bootstrap import WEBHOOK_SECRET_PREFIX, cold_start, webhook_secrets_in
from klaxon.settings import DEFAULT_SLACK_API_URL

if TYPE_CHECKING:
    from infra.local.socket_mode import SocketModeBridge

log = logging.getLogger("klaxon.local")

STACK_NAME = "klaxon-local"
SLACK_FUNCTION = "SlackAppFunction"
DEFAULT_TABLE = "klaxon-local"
_INVOKE_PREFIX = "/2015-03-31/functions/"
_SNS_MIRROR = "/_local/sns/"
_SNS_CERTIFICATE = re.compile(r"SimpleNotificationService-[0-9a-f]{1,64}\.pem")


@dataclass(frozen=True)
class CloudOptions:
    """How to run the local cloud. `moto_server=False` expects AWS endpoints to be set up by the caller."""

    port: int = 3000
    host: str = "127.0.0.1"
    sweep_seconds: float | None = None
    async_retry_seconds: float = 1.0
    moto_server: bool = True
    # An app-level token (xapp-): reach Slack over Socket Mode instead of waiting for its POSTs.
    app_token: str | None = None


class LocalCloud:
    """Runs the template's functions behind a loopback HTTP API until stopped."""

    def __init__(self, options: CloudOptions | None = None) -> None:
        self.options = options or CloudOptions()
        self.template = tpl.load_template()
        self.async_invoker = AsyncInvoker(retry_delay=self.options.async_retry_seconds)
        self.functions: dict[str, LocalFunction] = {}
        self._routes = tpl.routes(self.template)
        self._server: ThreadingHTTPServer | None = None
        self._moto: Any = None
        self._stopping = threading.Event()
        self._sweep_lock = threading.Lock()
        self._socket_mode: SocketModeBridge | None = None
        self.sns_confirmations: list[str] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalCloud:
        """Bring up AWS stand-ins, the table, the secret and the HTTP API; return once serving."""
        _default_aws_env()
        self._server = ThreadingHTTPServer((self.options.host, self.options.port), _handler_for(self))
        self._server.daemon_threads = True
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = self.url
        if self.options.moto_server:
            self._start_moto()
        signing_secret = os.environ.get("SLACK_SIGNING_SECRET", "")  # before it moves into the secret
        self._provision()
        threading.Thread(target=self._server.serve_forever, name="local-http-api", daemon=True).start()
        if self.options.app_token:
            try:
                self._connect_socket_mode(self.options.app_token, signing_secret)
            except Exception:
                self.stop()  # a half-started cloud would keep its ports and threads
                raise
        self._start_schedule()
        return self

    def _connect_socket_mode(self, app_token: str, signing_secret: str) -> None:
        """Open the WebSocket to Slack; envelopes are served by the route the template gives Slack."""
        from infra.local.socket_mode import SocketModeBridge

        route = next(r for r in self._routes if r.function == SLACK_FUNCTION and r.method == "POST")
        api_url = os.environ.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        self._socket_mode = SocketModeBridge(app_token, signing_secret, api_url, self.handle, route.path)
        self._socket_mode.connect()

    def stop(self) -> None:
        self._stopping.set()
        if self._socket_mode:
            self._socket_mode.close()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        self.async_invoker.shutdown()
        if self._moto:
            self._moto.stop()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ provisioning
    def _start_moto(self) -> None:
        from infra.local.moto_server import SerialMotoServer

        self._moto = SerialMotoServer().start()
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = self._moto.url
        os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = self._moto.url
        os.environ["AWS_ENDPOINT_URL_SSM"] = self._moto.url

    def _provision(self) -> None:
        """Create the table and secret, then give every function the template's environment."""
        table_name = os.environ.get("TABLE_NAME") or DEFAULT_TABLE
        self.reset_table(table_name)
        resolved = {"Table": table_name}
        secret_arn = self._store_slack_secret()
        if secret_arn:
            # As in AWS, the functions read the credentials from the secret, not from their environment.
            resolved["SlackSecret"] = secret_arn
            for key in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
                os.environ.pop(key, None)
        webhook_arn = self._store_webhook_secret()
        if webhook_arn:  # likewise each source's WEBHOOK_SECRET_<SOURCE>: a key of the stack's webhook secret
            resolved["WebhookSecret"] = webhook_arn
            for key in [key for key in os.environ if key.startswith(WEBHOOK_SECRET_PREFIX)]:
                if key != "WEBHOOK_SECRET_ARN":
                    os.environ.pop(key)
        # As in AWS, links are signed with the key in the stack's secret, and point where its parameter says.
        resolved["LinkKeySecret"] = self._store_link_key()
        os.environ.pop("LINK_SIGNING_KEY", None)
        self._store_public_base_url()
        os.environ.setdefault("SNS_LOCAL_MIRROR", self.url + _SNS_MIRROR)  # no SNS here: the mirror stands in
        for logical_id, spec in tpl.functions(self.template).items():
            name = _resolve(spec.name_template, resolved, self.template)
            self.functions[logical_id] = LocalFunction(spec, name)
            for key, value in spec.environment.items():
                if key not in os.environ:
                    resolved_value = _resolve(value, resolved, self.template)
                    if resolved_value is not None:
                        os.environ[key] = resolved_value

    def environment(self) -> dict[str, str]:
        """The variables template.yaml gives the functions, as they have them here (the secrets' ARNs, never the
        secrets)."""
        names = {name for function in tpl.functions(self.template).values() for name in function.environment}
        return {name: os.environ[name] for name in sorted(names) if name in os.environ}

    def reset_table(self, table_name: str | None = None) -> None:
        """Drop and re-create the template's table: an empty stack, as after a fresh deploy."""
        table_name = table_name or os.environ["TABLE_NAME"]
        os.environ["TABLE_NAME"] = table_name
        client = boto3.client("dynamodb")
        if table_name in client.list_tables()["TableNames"]:
            client.delete_table(TableName=table_name)
        tpl.create_table(client, table_name, self.template)

    def reset(self) -> None:
        """A new stack without a restart: an empty table, fresh containers, no dead letters or confirmations."""
        self.reset_table()
        self.async_invoker.dead_letters.clear()
        self.sns_confirmations.clear()
        cold_start()

    def _store_slack_secret(self) -> str | None:
        """Put the Slack credentials from the environment into Secrets Manager, as the template does."""
        token, secret = os.environ.get("SLACK_BOT_TOKEN"), os.environ.get("SLACK_SIGNING_SECRET")
        if not (token and secret):
            return None
        return _stored_secret(f"{STACK_NAME}-slack", {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": secret})

    def _store_link_key(self) -> str:
        """LINK_SIGNING_KEY (or, without it, a key made now: links then last as long as this cloud) as the
        template's link key secret."""
        key = os.environ.get("LINK_SIGNING_KEY") or secrets.token_urlsafe(48)
        return _stored_secret(f"{STACK_NAME}-link-key", key)

    def _store_public_base_url(self) -> None:
        """Where links in Slack point - PUBLIC_BASE_URL, else this cloud's own address (DESIGN.md) - as the
        template's SSM parameter, which the functions read."""
        environment = tpl.functions(self.template)[SLACK_FUNCTION].environment
        name = _resolve(environment["PUBLIC_BASE_URL_PARAMETER"], {}, self.template)
        assert name, "the template names the parameter"
        url = os.environ.pop("PUBLIC_BASE_URL", None) or self.url
        boto3.client("ssm").put_parameter(Name=name, Value=url, Type="String", Overwrite=True)

    def _store_webhook_secret(self) -> str | None:
        """WEBHOOK_SECRET_<SOURCE> variables as the keys (lower-case source names) of the webhook secret."""
        keys = webhook_secrets_in(os.environ)
        return _stored_secret(f"{STACK_NAME}-webhooks", keys) if keys else None

    # ------------------------------------------------------------------ the schedule
    def _start_schedule(self) -> None:
        period = self.sweep_period()
        if period:
            threading.Thread(target=self._tick, args=(period,), name="local-schedule", daemon=True).start()

    def sweep_period(self) -> float:
        """SWEEP_SECONDS or the option if set (0 disables the ticker), else the template's rate()."""
        if self.options.sweep_seconds is not None:
            return self.options.sweep_seconds
        if os.environ.get("SWEEP_SECONDS"):
            return float(os.environ["SWEEP_SECONDS"])
        spec = self.functions["SweepFunction"].spec
        return float(tpl.schedule_seconds(spec.schedule or "rate(1 minute)"))

    def _tick(self, period: float) -> None:
        while not self._stopping.wait(period):
            # Like EventBridge, the schedule does not wait for a slow sweep: overlaps are possible.
            threading.Thread(target=self._scheduled_sweep, name="local-sweep", daemon=True).start()

    def _scheduled_sweep(self) -> None:
        try:
            self.sweep()
        except Exception:  # noqa: BLE001 - a failed sweep is logged like a Lambda error, the next tick runs
            log.exception("scheduled sweep failed")

    def sweep(self) -> Any:
        """Invoke the sweep function once with an EventBridge scheduled event."""
        function = self.functions["SweepFunction"]
        return function.invoke(scheduled_event(function.name))

    def sweeps_at_once(self, count: int = 2) -> None:
        """Run the sweep `count` times at the same moment, as overlapping EventBridge deliveries would."""
        sweeps = [threading.Thread(target=self.sweep) for _ in range(count)]
        for sweep in sweeps:
            sweep.start()
        for sweep in sweeps:
            sweep.join()

    # ------------------------------------------------------------------ requests
    def handle(self, request: HttpRequest) -> HttpResponse:
        """Serve one HTTP request: Lambda Invoke, a control route, or a template route."""
        if request.path.startswith(_INVOKE_PREFIX):
            return self._invoke(request)
        if request.path.startswith(_SNS_MIRROR):
            return self._sns(request)
        if request.path.startswith("/_local/"):
            return self._control(request)
        for route in self._routes:
            params = route.match(request.method, request.path)
            if params is not None:
                event = build_event(request, route, params)
                try:
                    return to_http_response(self.functions[route.function].invoke(event))
                except Exception:  # noqa: BLE001 - API Gateway answers 500 when the function fails
                    log.exception("%s failed", route.function)
                    return _json(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error"})
        return _json(HTTPStatus.NOT_FOUND, {"message": "Not Found"})

    def _invoke(self, request: HttpRequest) -> HttpResponse:
        """The Lambda Invoke API: POST /2015-03-31/functions/{name or ARN}/invocations."""
        target = unquote(request.path[len(_INVOKE_PREFIX):].removesuffix("/invocations"))
        name = target.rsplit(":function:", 1)[-1].split(":", 1)[0]
        function = next((f for f in self.functions.values() if f.name == name), None)
        if function is None:
            return _json(HTTPStatus.NOT_FOUND, {"Type": "User", "message": f"Function not found: {target}"},
                         {"x-amzn-errortype": "ResourceNotFoundException"})
        payload = json.loads(request.body or b"{}")
        invocation_type = dict((k.lower(), v) for k, v in request.headers).get("x-amz-invocation-type")
        if invocation_type == "Event":
            self.async_invoker.submit(function, payload)
            return HttpResponse(HTTPStatus.ACCEPTED, {"content-type": "application/json"}, b"")
        try:
            result = function.invoke(payload)
        except Exception as error:  # noqa: BLE001 - reported to the caller as Lambda does
            body = {"errorMessage": str(error), "errorType": type(error).__name__}
            return _json(HTTPStatus.OK, body, {"x-amz-function-error": "Unhandled"})
        return _json(HTTPStatus.OK, result)

    def _control(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/_local/idle":
            settled = self.async_invoker.wait_idle(timeout=30)
            return _json(HTTPStatus.OK, {"idle": settled, "pending": self.async_invoker.pending})
        if request.path == "/_local/sweep" and request.method == "POST":
            with self._sweep_lock:
                return _json(HTTPStatus.OK, {"result": self.sweep()})
        if request.path == "/_local/reset" and request.method == "POST":
            self.reset()
            return _json(HTTPStatus.OK, {"reset": True})
        if request.path == "/_local/aws":
            # Where the stand-ins are, so tests and the demo can look at (or seed) the table directly, and what
            # the functions run with (`make doctor LOCAL=…` reads it as it reads a deployed stack's outputs).
            return _json(HTTPStatus.OK, {"dynamodb": os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"),
                                         "secretsmanager": os.environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER"),
                                         "ssm": os.environ.get("AWS_ENDPOINT_URL_SSM"),
                                         "table": os.environ.get("TABLE_NAME"),
                                         "environment": self.environment()})
        if request.path == "/_local/dead-letters":
            letters = [letter.__dict__ for letter in self.async_invoker.dead_letters]
            return _json(HTTPStatus.OK, {"dead_letters": letters})
        return _json(HTTPStatus.NOT_FOUND, {"message": "Not Found"})


    def _sns(self, request: HttpRequest) -> HttpResponse:
        """SNS's part: a certificate by its file name, a subscription confirmed (recorded), the confirmations."""
        name = request.path.removeprefix(_SNS_MIRROR)
        if name == "confirm":
            self.sns_confirmations.append(request.query)
            body = b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult/></ConfirmSubscriptionResponse>"
            return HttpResponse(HTTPStatus.OK, {"content-type": "text/xml"}, body)
        if name == "confirmations":
            return _json(HTTPStatus.OK, {"confirmations": self.sns_confirmations})
        folder = os.environ.get("SNS_LOCAL_CERTIFICATES")
        file_name = name.removeprefix("certificates/")
        path = Path(folder) / file_name if folder and _SNS_CERTIFICATE.fullmatch(file_name) else None
        if path is None or not path.is_file():
            return _json(HTTPStatus.NOT_FOUND, {"message": f"no certificate {file_name[:100]} here"})
        return HttpResponse(HTTPStatus.OK, {"content-type": "application/x-pem-file"}, path.read_bytes())


def _stored_secret(name: str, values: Mapping[str, str] | str) -> str:
    """Create (or overwrite) a secret in Secrets Manager - JSON of `values`, or a plain string; its ARN."""
    client = boto3.client("secretsmanager")
    body = values if isinstance(values, str) else json.dumps(dict(values))
    try:
        return str(client.create_secret(Name=name, SecretString=body)["ARN"])
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=body)
        return str(client.describe_secret(SecretId=name)["ARN"])


def scheduled_event(function_name: str) -> dict[str, Any]:
    """An EventBridge scheduled event, as the rate(1 minute) rule delivers it."""
    now = datetime.now(UTC).replace(microsecond=0)
    rule = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{function_name}-schedule"
    return {
        "version": "0", "id": f"local-{time.time_ns()}", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": ACCOUNT_ID, "time": now.isoformat().replace("+00:00", "Z"),
        "region": REGION, "resources": [rule], "detail": {},
    }


def _resolve(value: Any, resolved: Mapping[str, str], template: Mapping[str, Any]) -> str | None:
    """A template value (string, !Ref, !Sub) with local stand-ins for resources and parameter defaults."""
    if isinstance(value, str | int | float):
        return str(value)
    if "Ref" in value:
        ref = value["Ref"]
        if ref in resolved:
            return resolved[ref]
        parameter = template.get("Parameters", {}).get(ref)
        return str(parameter["Default"]) if parameter and "Default" in parameter else None
    if "Fn::Sub" in value:
        text = value["Fn::Sub"]
        pseudo = {"AWS::StackName": STACK_NAME, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID,
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", **resolved}
        for key, replacement in pseudo.items():
            text = text.replace("${" + key + "}", replacement)
        return text
    raise ValueError(f"the local cloud cannot resolve {value!r}")


def _default_aws_env() -> None:
    """boto3 needs a region and credentials even against loopback stand-ins; never real ones here."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json", **(headers or {})},
                        json.dumps(body, default=str).encode())


def _handler_for(cloud: LocalCloud) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            request = HttpRequest(
                method=self.command, path=url.path, query=url.query,
                headers=list(self.headers.items()), body=self.rfile.read(length) if length else b"",
                source_ip=self.client_address[0],
            )
            response = cloud.handle(request)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log.debug("%s %s", self.address_string(), format % args)

    return Handler
