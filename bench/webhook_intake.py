"""Webhook intake: events per second and latency per event through the real webhooks handler, and one
request carrying 500 alerts (the size of a big Alertmanager group); each source's parser alone; the host
board drawn for thousands of hosts.

    .venv/bin/python -m bench.webhook_intake [--events 200] [--batch 500] [--rounds 2000] [--hosts 5000]
                                             [--only handler|parsers|board]      (from the repository root)

In-process: the local cloud's WebhooksFunction (functions/webhooks/app.py: Powertools' resolver, the
secret from Secrets Manager, the intake, DynamoDB on moto's server) invoked with API Gateway payload-v2
events, posting to the Slack emulator over loopback HTTP. Measured in one run, side by side:

1. `--events` generic alerts, one request each, every one new (a post each), then the same alerts again
   (repeats: the post updated): events per second, p50 and p99 per request, and the ratio.
2. One request carrying `--batch` new alerts, then the same request again (all repeats): the time each
   takes against Lambda's 30 s, and DynamoDB items and requests read and written per alert.

The emulator answers at once and never rate-limits; Slack allows about one chat.postMessage per second
and channel (bursts excepted), so against real Slack a storm of new alerts is paced by Slack, not Klaxon.

3. Each source's parser alone, on its own real payloads (tests/fixtures/monitoring), from the body's bytes
   to ExternalEvents (what the route does after the credentials): events per second; for SNS also the
   signature check with the certificate cached (as the adapter caches it per container).
4. The host board of `--hosts` hosts (a quarter down, 50 muted): the time to compose and render it, and
   its blocks and characters against Slack's limits (50 blocks a message, 3,000 characters a section).
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
    parser.add_argument("--rounds", type=int, default=2000, help="parses of each payload")
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--only", choices=("handler", "parsers", "board"))
    args = parser.parse_args()
    if args.only in (None, "handler"):
        handler(args.events, args.batch)
    if args.only in (None, "parsers"):
        parsers(args.rounds)
    if args.only in (None, "board"):
        board(args.hosts)


def parsers(rounds: int) -> None:
    """Each source's parser, from the body's bytes to events, on its real payloads."""
    from datetime import UTC, datetime

    from klaxon.monitoring import sns
    from klaxon.monitoring.generic import GenericAlert, to_event
    from klaxon.monitoring.sources import alertmanager, cloudwatch, gcp, grafana
    from tests.payloads import FIXTURES

    def body(name: str) -> bytes:
        return (FIXTURES / "monitoring" / name).read_bytes()

    cases: list[tuple[str, str, bytes, Any]] = [
        ("generic", "one alert", json.dumps(alert(1, "bench")).encode(),
         lambda raw: [to_event(GenericAlert.model_validate_json(raw))]),
        ("gcp", "uptime check, 1.2", body("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json"),
         lambda raw: gcp.parse(json.loads(raw))),
        ("gcp", "metric threshold, 1.2", body("cloudforet-mon-webhook_gcp_webhook_v1.2_metric_threshold_open.json"),
         lambda raw: gcp.parse(json.loads(raw))),
        ("alertmanager", "group of 2", body("zulip_alertmanager_alert.json"),
         lambda raw: alertmanager.parse(json.loads(raw))),
        ("grafana", "unified, 3 mixed", body("zulip_grafana_alert-9-mixed.json"),
         lambda raw: grafana.parse(json.loads(raw))),
        ("grafana", "legacy", body("grafana_legacy_alerting_webhook_alerting.json"),
         lambda raw: grafana.parse(json.loads(raw))),
        ("cloudwatch", "SNS envelope + alarm", body("aws_cloudwatch_alarm_via_sns_http_notification_ALARM.json"),
         lambda raw: cloudwatch.parse(sns.envelope(json.loads(raw)))),
    ]
    print(f"\nEach source's parser alone: body bytes → events, {rounds} times each payload (warm):")
    print(f"  {'source':13s} {'payload':24s} {'events':>6s} {'events/s':>10s} {'µs/request':>11s}")
    for source, what, raw, parse in cases:
        count = len(parse(raw))
        started = time.perf_counter()
        for _ in range(rounds):
            parse(raw)
        elapsed = time.perf_counter() - started
        print(f"  {source:13s} {what:24s} {count:6d} {count * rounds / elapsed:10.0f} {elapsed / rounds * 1e6:11.1f}")

    certificate = (FIXTURES / "monitoring" / "aws-sdk-ruby_sns_signing_cert.pem").read_bytes()

    class Cached:
        """The certificate as the adapter holds it once fetched: from memory."""

        @staticmethod
        def pem(url: str) -> bytes:
            return certificate

    at = datetime(2022, 7, 28, 21, 30, tzinfo=UTC)
    for version, name in (("1", "aws-sdk-ruby_sns_notification_signature_v1.json"),
                          ("2", "aws-sdk-ruby_sns_notification_signature_v2_sha256.json")):
        message = sns.envelope(json.loads(body(name)))
        started = time.perf_counter()
        for _ in range(rounds):
            sns.verify(message, Cached(), at)
        elapsed = time.perf_counter() - started
        print(f"  {'sns':13s} {f'signature v{version} check':24s} {'':6s} {rounds / elapsed:10.0f} "
              f"{elapsed / rounds * 1e6:11.1f}")


def board(hosts: int) -> None:
    """The host board for `hosts` hosts: compose and render time, blocks and characters against Slack's limits."""
    from datetime import UTC, datetime, timedelta

    from klaxon.monitoring.hosts import Host, compose
    from klaxon.slack.renderers.hosts import board_blocks, board_fallback, board_text

    t0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    every = [Host(f"host-{n:05d}.eu-west-1.example.com", since=t0 + timedelta(seconds=n),
                  last_change=t0 + timedelta(seconds=n), firing=("gcp:0123456789abcdef",) if n % 4 == 0 else (),
                  latest_title=f"Uptime Health Check on host-{n:05d}.eu-west-1.example.com is failing")
             for n in range(hosts)]
    muted = {host.name: t0 + timedelta(hours=2) for host in every[1:100:2]}
    started = time.perf_counter()
    shown = compose(every, muted)
    composed = time.perf_counter()
    blocks = [block.to_dict() for block in board_blocks(shown)]
    rendered = time.perf_counter()
    text = board_text(shown)
    texts = [block["text"]["text"] if "text" in block else block["elements"][0]["text"] for block in blocks]
    print(f"\nThe host board of {hosts} hosts ({len(shown.down)} down, {len(shown.muted)} muted, {shown.up} up):")
    print(f"  compose {1000 * (composed - started):.1f} ms, render blocks {1000 * (rendered - composed):.1f} ms")
    print(f"  blocks {len(blocks)} (Slack: at most 50), longest section {max(map(len, texts))} characters "
          f"(at most 3,000), all blocks' text {sum(map(len, texts))} characters")
    print(f"  notification text {len(board_fallback(shown))} characters; /klaxon hosts answer {len(text)} "
          f"characters (a response_url message holds 40,000)")


def handler(events: int, batch: int) -> None:
    """Parts 1 and 2: through the real handler in the local cloud."""
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

            new = one_by_one(invoke, events, "single")
            repeat = one_by_one(invoke, events, "single")
            print(f"\n{events} generic alerts, one request each, through the real handler (warm):")
            print(f"  {'':24s} {'events/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s}")
            for name, figures in (("new (posted)", new), ("repeat (post updated)", repeat)):
                print(f"  {name:24s} {figures['rate']:9.1f} {figures['p50']:8.1f} {figures['p99']:8.1f}")
            print(f"  {'repeat / new':24s} {repeat['rate'] / new['rate']:8.2f}× "
                  f"{repeat['p50'] / new['p50']:7.2f}× {repeat['p99'] / new['p99']:7.2f}×")

            first = batched(invoke, batch, "batch")
            again = batched(invoke, batch, "batch")
            print(f"\nOne request carrying {batch} alerts (Lambda's limit: {LAMBDA_TIMEOUT_S} s):")
            print(f"  {'':24s} {'seconds':>8s} {'outcome':>8s} {'read':>6s} {'(reqs)':>7s} {'written':>8s} "
                  f"{'(reqs)':>7s} {'posted':>7s}")
            for name, figures in (("all new", first), ("all repeats", again)):
                print(f"  {name:24s} {figures['seconds']:8.2f} {figures['outcomes']:>8s} {figures['read']:6.2f} "
                      f"{figures['read_requests']:7.3f} {figures['written']:8.2f} {figures['write_requests']:7.3f} "
                      f"{figures['posted']:7.0f}")
            print(f"  per alert: new {first['seconds'] / batch * 1000:.1f} ms, repeat "
                  f"{again['seconds'] / batch * 1000:.1f} ms ({again['seconds'] / first['seconds']:.2f}×)")
            posts = len(workspace.messages("#incidents"))
            print(f"  posts in #incidents: {posts} (1 warm-up + {events} + {batch})")


if __name__ == "__main__":
    main()
