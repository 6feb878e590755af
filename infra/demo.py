"""`make demo`: a scripted incident on the local stack, then what the emulated workspace saw.

Two processes, as in production: the local cloud runs Klaxon's real handlers (template.yaml's stack,
moto's DynamoDB), the emulator plays Slack and the people and bots in it. Every step goes over HTTP.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from infra.driver import StackDriver
from infra.stack import LocalStack


def say(text: str) -> None:
    print(f"\n▶ {text}", flush=True)


def play(stack: StackDriver) -> list[str]:
    """The scene; returns what did not happen as it should (empty when all is well)."""
    ws = stack.workspace
    problems: list[str] = []

    def expect(condition: bool, what: str) -> None:
        print(f"  {'✓' if condition else '✗'} {what}")
        if not condition:
            problems.append(what)

    say("A workspace: #alerts-prod where monitoring posts, #incidents where Klaxon reposts")
    alice = ws.add_user("alice", real_name="Alice (on-call lead, Klaxon admin)")["id"]
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")

    say("Alice adds a rule from Slack:  /klaxon rule add disk (full|\\d+%) to #incidents label \"[Error]\"")
    answer = stack.klaxon(alice, "#alerts-prod", r'rule add disk (full|\d+%) to #incidents label "[Error]"')
    print(f"  Klaxon (only to Alice): {answer}")
    expect(answer.startswith(":white_check_mark:"), "the rule is added and audited")

    say("Datadog posts a deploy notice (no rule matches) and a disk alert (the rule matches)")
    ws.post("#alerts-prod", "deploy 1432 of api finished", bot="datadog")
    alert = ws.post("#alerts-prod", "", bot="datadog", attachments=[
        {"title": "[Triggered] disk 93% full on db-1", "text": "/var/lib/postgresql is at 93%",
         "fallback": "disk 93% full on db-1", "color": "danger"}])
    stack.settle()
    expect(len(ws.messages("#incidents")) == 1, "one repost in #incidents")

    say("Slack retries the alert's delivery, as it does when an ack is slow")
    retry = ws.redeliver(alert.delivery.id, retry_num=1, reason="http_timeout")
    stack.settle()
    expect(retry.ok, "the retry is acknowledged")
    expect(len(ws.messages("#incidents")) == 1, "and ignored: still one repost")
    expect(not ws.violations(), "every Web API call matched Slack's published spec")
    expect(not stack.dead_letters(), "no asynchronous work was dead-lettered")
    return problems


def main(scene: Callable[[StackDriver], list[str]] = play) -> int:
    logs = Path(tempfile.mkdtemp(prefix="klaxon-demo-"))
    print("Starting the Slack emulator and the local cloud…", flush=True)
    with LocalStack(log_dir=logs) as processes:
        stack = StackDriver(processes.cloud_url, processes.emulator_url)
        problems = scene(stack)
        print("\n──────── what the workspace shows ────────")
        print(stack.workspace.render())
    print(f"(logs of both processes: {logs})")
    if problems:
        print(f"\nDEMO FAILED: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
