"""Webhook intake: events per second and latency per event through the real webhooks handler, and one
request carrying 500 alerts (the size of a big Alertmanager group).

    .venv/bin/python -m bench.webhook_intake [--events 200] [--batch 500]     (from the repository root)

In-process: the local cloud's WebhooksFunction (functions/webhooks/app.py: Powertools' resolver, the
secret from Secrets Manager, the intake, DynamoDB on moto's server) invoked with API Gateway payload-v2
events, posting to the Slack emulator over loopback HTTP. Measured in one run, side by side:

1. `--events` generic alerts, one request each, every one new (a post each), then the same alerts again
   (repeats: the post updated): events per second, p50 and p99 per request, and the ratio.
2. One request carrying `--batch` new alerts, then the same request again (all repeats): the time each
   takes against Lambda's 30 s, and DynamoDB items and requests read and written per alert.

The emulator answers at once and never rate-limits; Slack allows about one chat.postMessage per second
and channel (bursts excepted), so against real Slack a storm of new alerts is paced by Slack, not Klaxon.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import time
from typing import Any

from klaxon.bootstrap import runtime

SECRET = "emulator-signing-secret"
TOKEN = "xoxb-klaxon-emulator"
WEBHOOK = "bench-generic-secret"
LAMBDA_TIMEOUT_S = 30  # the template's Globals


def request(body: Any) -> dict[str, Any]:
    """The API Gateway payload-v2 event for POST /webhooks/generic with the source's secret."""
    from infra.local.http_api import HttpRequest, build_event
    from infra.template import Route

    raw = json.dumps(body).encode()
    sent = HttpRequest("POST", "/webhooks/generic", "", [
        ("content-type", "application/json"), ("authorization", f"Bearer {WEBHOOK}"), ("host", "bench.local")],
        raw, "127.0.0.1")
    return build_event(sent, Route("POST", "/webhooks/{source}", "WebhooksFunction"), {"source": "generic"})


def alert(n: int, run: str) -> dict[str, Any]:
    return {"title": f"checkout-{n:05d} p99 above 2s", "dedup_key": f"{run}-checkout-{n:05d}", "severity": "major",
            "host": f"api-{n % 40}", "labels": {"team": "payments", "region": "eu-west-1"},
            "link": f"https://grafana.example.com/d/checkout-{n}"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def one_by_one(invoke: Any, events: int, run: str) -> dict[str, float]:
    """Each alert in a request of its own: seconds per request, and events per second."""
    latencies = []
    started = time.perf_counter()
    for n in range(events):
        begun = time.perf_counter()
        response = invoke(request(alert(n, run)))
        latencies.append(time.perf_counter() - begun)
        assert response["statusCode"] == 200, response
    elapsed = time.perf_counter() - started
    return {"rate": events / elapsed, "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000}


def batched(invoke: Any, size: int, run: str) -> dict[str, float]:
    """One request carrying `size` alerts: its time, and the table's items and requests per alert."""
    table = runtime().store.table  # type: ignore[attr-defined]  # the DynamoStore's counters
    reads, writes = (table.reads.items, table.reads.requests), (table.writes.items, table.writes.requests)
    started = time.perf_counter()
    response = invoke(request([alert(n, run) for n in range(size)]))
    elapsed = time.perf_counter() - started
    assert response["statusCode"] == 200, response
    answered = json.loads(response["body"])["alerts"]
    outcomes = {a["outcome"] for a in answered}
    return {"seconds": elapsed, "outcomes": ",".join(sorted(outcomes)),  # type: ignore[dict-item]
            "posted": sum(a["posted"] for a in answered),
            "read": (table.reads.items - reads[0]) / size, "read_requests": (table.reads.requests - reads[1]) / size,
            "written": (table.writes.items - writes[0]) / size,
            "write_requests": (table.writes.requests - writes[1]) / size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    from infra.local import CloudOptions, LocalCloud
    from infra.slack_emulator import SlackEmulator, Workspace

    with SlackEmulator(signing_secret=SECRET) as slack:
        os.environ.update(SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                          TABLE_NAME="klaxon-bench", WEBHOOK_SECRET_GENERIC=WEBHOOK, POWERTOOLS_METRICS_DISABLED="true",
                          POWERTOOLS_LOG_LEVEL="WARNING")
        workspace = Workspace(slack.url)
        os.environ["INCIDENTS_CHANNEL"] = workspace.add_channel("incidents")["id"]
        with LocalCloud(CloudOptions(port=0, sweep_seconds=0)) as cloud:
            function = cloud.functions["WebhooksFunction"]

            def invoke(event: dict[str, Any]) -> Any:
                # Powertools prints its metrics (EMF) to stdout every 100 values: not the bench's output.
                with contextlib.redirect_stdout(io.StringIO()):
                    return function.invoke(event)

            invoke(request(alert(0, "warm-up")))

            new = one_by_one(invoke, args.events, "single")
            repeat = one_by_one(invoke, args.events, "single")
            print(f"\n{args.events} generic alerts, one request each, through the real handler (warm):")
            print(f"  {'':24s} {'events/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s}")
            for name, figures in (("new (posted)", new), ("repeat (post updated)", repeat)):
                print(f"  {name:24s} {figures['rate']:9.1f} {figures['p50']:8.1f} {figures['p99']:8.1f}")
            print(f"  {'repeat / new':24s} {repeat['rate'] / new['rate']:8.2f}× "
                  f"{repeat['p50'] / new['p50']:7.2f}× {repeat['p99'] / new['p99']:7.2f}×")

            first = batched(invoke, args.batch, "batch")
            again = batched(invoke, args.batch, "batch")
            print(f"\nOne request carrying {args.batch} alerts (Lambda's limit: {LAMBDA_TIMEOUT_S} s):")
            print(f"  {'':24s} {'seconds':>8s} {'outcome':>8s} {'read':>6s} {'(reqs)':>7s} {'written':>8s} "
                  f"{'(reqs)':>7s} {'posted':>7s}")
            for name, figures in (("all new", first), ("all repeats", again)):
                print(f"  {name:24s} {figures['seconds']:8.2f} {figures['outcomes']:>8s} {figures['read']:6.2f} "
                      f"{figures['read_requests']:7.3f} {figures['written']:8.2f} {figures['write_requests']:7.3f} "
                      f"{figures['posted']:7.0f}")
            print(f"  per alert: new {first['seconds'] / args.batch * 1000:.1f} ms, repeat "
                  f"{again['seconds'] / args.batch * 1000:.1f} ms ({again['seconds'] / first['seconds']:.2f}×)")
            posts = len(workspace.messages("#incidents"))
            print(f"  posts in #incidents: {posts} (1 warm-up + {args.events} + {args.batch})")


if __name__ == "__main__":
    main()
