"""How fast the Slack function acknowledges, warm and cold.

    .venv/bin/python -m bench.ack_latency [--requests 300] [--rounds 7]     (from the repository root)

1. Warm ack latency: signed message events through the real handler in-process (Bolt, signature
   check, the lazy listener's asynchronous self-invocation through the local cloud's Lambda endpoint),
   p50 and p99. The lazy work is let finish between requests so it does not queue behind the ack.
2. Cold initialisation: in a fresh interpreter, importing the handler and serving its first request
   (Secrets Manager read, auth.test, Lambda client), as a ratio to importing the same third-party
   packages alone in a fresh interpreter. Both are run alternately, several rounds, medians compared.

Everything runs on loopback: moto for AWS, the Slack emulator for Slack.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

SECRET = "emulator-signing-secret"
TOKEN = "xoxb-klaxon-emulator"


def signed_event(body: str, secret: str = SECRET) -> dict[str, Any]:
    """An API Gateway payload-v2 event for POST /slack/events, signed as Slack signs."""
    from slack_sdk.signature import SignatureVerifier

    from infra.local.http_api import HttpRequest, build_event
    from infra.template import Route

    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    request = HttpRequest("POST", "/slack/events", "", [
        ("content-type", "application/json"), ("x-slack-request-timestamp", timestamp),
        ("x-slack-signature", signature), ("host", "bench.local")], body.encode(), "127.0.0.1")
    return build_event(request, Route("POST", "/slack/events", "SlackAppFunction"), {})


def message_body(n: int, channel: str = "C0BENCH") -> str:
    return json.dumps({"type": "event_callback", "team_id": "T0KLAXON", "api_app_id": "A0KLAXON",
                       "event_id": f"EvBench{n:06d}", "event_time": int(time.time()),
                       "event": {"type": "message", "channel": channel, "user": "U0HUMAN",
                                 "text": f"deploy {n} finished", "ts": f"{1_800_000_000 + n}.000100"}})


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def warm_ack(requests: int) -> dict[str, float]:
    from infra.local.lambda_runtime import LambdaContext

    cloud = _cloud
    function = cloud.functions["SlackAppFunction"]
    context = LambdaContext(function.name, 512, 30)
    for n in range(20):  # warm the container: App, clients, auth.test
        function.handler(signed_event(message_body(n)), context)
        cloud.async_invoker.wait_idle(30)
    timings = []
    for n in range(20, 20 + requests):
        event = signed_event(message_body(n))
        started = time.perf_counter()
        response = function.handler(event, context)
        timings.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] == 200, response
        cloud.async_invoker.wait_idle(30)
    return {"p50": percentile(timings, 50), "p99": percentile(timings, 99), "max": max(timings)}


_CHILD = r"""
import json, sys, time
started = time.perf_counter()
mode, payload = sys.argv[1], json.loads(sys.argv[2])
if mode == "deps":
    import importlib
    for name in payload["modules"]:
        importlib.import_module(name)
    print(json.dumps({"total": time.perf_counter() - started}))
else:
    import importlib.util
    spec = importlib.util.spec_from_file_location("cold_slack_app", payload["handler_file"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    imported = time.perf_counter()
    class Context:
        function_name = payload["function_name"]; memory_limit_in_mb = 512; function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + payload["function_name"]
        aws_request_id = "cold"; log_group_name = "/aws/lambda/x"; log_stream_name = "x"
        def get_remaining_time_in_millis(self): return 30000
    response = module.handler(payload["event"], Context())
    done = time.perf_counter()
    assert response["statusCode"] == 200, response
    site = [p for p in sys.path if p.endswith("site-packages")][0]
    third_party = [name for name, m in list(sys.modules.items())
                   if getattr(m, "__file__", None) and m.__file__.startswith(site)
                   and not name.startswith(("klaxon", "__editable__"))]
    print(json.dumps({"total": done - started, "import": imported - started, "modules": third_party}))
"""


def run_child(mode: str, payload: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", _CHILD, mode, json.dumps(payload)], env=env,
                            capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(result.stdout.strip().splitlines()[-1])


def cold_start(rounds: int) -> dict[str, Any]:
    env = {**os.environ, "POWERTOOLS_METRICS_DISABLED": "true"}
    function = _cloud.functions["SlackAppFunction"]
    payload = {"handler_file": str(function.spec.handler_file), "function_name": function.name}
    first = run_child("cold", {**payload, "event": signed_event(message_body(900_000))}, env)
    modules = first["modules"]
    deps, cold, imports = [], [], []
    for n in range(rounds):
        deps.append(run_child("deps", {"modules": modules}, env)["total"])
        measured = run_child("cold", {**payload, "event": signed_event(message_body(900_001 + n))}, env)
        cold.append(measured["total"])
        imports.append(measured["import"])
    _cloud.async_invoker.wait_idle(60)
    return {
        "deps_ms": statistics.median(deps) * 1000, "cold_ms": statistics.median(cold) * 1000,
        "import_ms": statistics.median(imports) * 1000,
        "ratio": statistics.median(cold) / statistics.median(deps), "modules": modules,
    }


_cloud: Any = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    global _cloud
    from infra.local import CloudOptions, LocalCloud
    from infra.slack_emulator import SlackEmulator

    with SlackEmulator(signing_secret=SECRET) as slack:
        os.environ.update(SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                          TABLE_NAME="klaxon-bench", POWERTOOLS_METRICS_DISABLED="true",
                          POWERTOOLS_LOG_LEVEL="WARNING")
        with LocalCloud(CloudOptions(port=0, sweep_seconds=0)) as cloud:
            _cloud = cloud
            from infra.slack_emulator import Workspace

            Workspace(slack.url).configure(app_url=f"{cloud.url}/slack/events")
            warm = warm_ack(args.requests)
            cold = cold_start(args.rounds)

    print(f"\nWarm ack, {args.requests} signed message events through the handler in-process:")
    print(f"  p50 {warm['p50']:.1f} ms   p99 {warm['p99']:.1f} ms   max {warm['max']:.1f} ms   (target p99 < 50 ms)")
    print(f"\nCold initialisation, median of {args.rounds} fresh interpreters each:")
    print(f"  third-party imports alone      {cold['deps_ms']:.0f} ms")
    print(f"  handler import + first request {cold['cold_ms']:.0f} ms (of which import {cold['import_ms']:.0f} ms)")
    print(f"  ratio                          {cold['ratio']:.2f}x   (target <= 1.3x)")
    packages = sorted({name.split(".")[0] for name in cold["modules"]})
    print(f"  third-party packages ({len(cold['modules'])} modules): {', '.join(packages)}")


if __name__ == "__main__":
    main()
