"""DynamoDB reads per Slack event on a warm container: what each kind of event costs the table.

    .venv/bin/python -m bench.event_reads [--rules 1000] [--events 50]      (from the repository root)

A warm Slack function in the local cloud (in-process: moto's server, the Lambda Invoke endpoint) with
N rules; the emulated workspace sends real signed events. For each kind of event the items and
requests read by the function are counted (Klaxon's own counters on its table access), averaged over
`--events` events after a warm-up.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from klaxon.bootstrap import runtime

SECRET = "emulator-signing-secret"
TOKEN = "xoxb-klaxon-emulator"


def measure(stack: object, send: Callable[[int], None], events: int) -> tuple[float, float]:
    """Average items and requests read per event sent by `send(n)`."""
    reads = runtime().store.table.reads
    items, requests = reads.items, reads.requests
    for n in range(events):
        send(n)
        stack.settle()  # type: ignore[attr-defined]
    return (reads.items - items) / events, (reads.requests - requests) / events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()

    from infra.driver import StackDriver
    from infra.local import CloudOptions, LocalCloud
    from infra.slack_emulator import SlackEmulator
    from klaxon.rules import Rule

    with SlackEmulator(signing_secret=SECRET) as slack:
        os.environ.update(SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                          TABLE_NAME="klaxon-bench", POWERTOOLS_METRICS_DISABLED="true",
                          POWERTOOLS_LOG_LEVEL="WARNING")
        with LocalCloud(CloudOptions(port=0, sweep_seconds=0)) as cloud:
            stack = StackDriver(cloud.url, slack.url)
            stack.workspace.configure(app_url=f"{cloud.url}/slack/events")
            ws = stack.workspace
            incidents = ws.add_channel("incidents")["id"]
            ws.add_channel("alerts-prod")
            ws.add_bot("datadog")
            rules = tuple(Rule(id=f"r-{n:05d}", name=f"service {n}", pattern=fr"service-{n:05d} (down|degraded)",
                               target_channel=incidents, label=f"[S{n}]") for n in range(args.rules))
            stack.configure(lambda config: config.with_rules(rules))
            ws.post("#alerts-prod", "warm-up", bot="datadog")
            stack.settle()

            kinds = {
                "unmatched message": lambda n: ws.post("#alerts-prod", f"deploy {n} finished", bot="datadog"),
                "matched message (a new alert)": lambda n: ws.post(
                    "#alerts-prod", f"service-{n:05d} down", bot="datadog"),
                "repeat within the grouping window": lambda n: ws.post(
                    "#alerts-prod", f"service-{n:05d} down", bot="datadog"),
                "Slack retry of a handled event": lambda n: ws.redeliver(
                    ws.deliveries()[-1].id, retry_num=1, reason="http_timeout"),
            }
            print(f"\n{args.rules} rules, warm container, {args.events} events of each kind:")
            print(f"  {'event':38s} {'items read':>10s} {'requests':>9s}")
            for name, send in kinds.items():
                items, requests = measure(stack, send, args.events)
                print(f"  {name:38s} {items:10.2f} {requests:9.2f}")
            print(f"  configuration reloads after warm-up: {runtime().configuration_cache.loads - 1}")


if __name__ == "__main__":
    main()
