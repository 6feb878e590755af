"""The incident doc page for a long incident: time to render it, its size, and what a page view reads.

    .venv/bin/python -m bench.doc_page [--entries 2000] [--rounds 20]      (from the repository root)

An incident with `--entries` timeline entries (pins with a message's text, field changes, updates, actions,
pages, in Slack's markup with mentions, links and formatting, as Klaxon stores them) is written to the table
through Klaxon's own repository (DynamoDB on moto, in-process, the table built from template.yaml). Then, as
the webhooks function serves `GET /incidents/{id}`: the doc is read (klaxon.incidents.doc.read_doc: one query
of the incident's partition, then the alert and the page it links by key) and rendered (Jinja2, every text
through the Slack-markup-to-HTML step and nh3). Klaxon's table counters give the items and requests; render
times are the median and the slowest of `--rounds` renders on a warm process. The same for the Markdown
postmortem. A second run stores entries of the longest text an entry keeps (3,000 characters) to show what
DynamoDB's 1 MB page does to the one query.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from infra.template import create_table
from klaxon.alerts.model import Alert, SlackMessageOrigin
from klaxon.dynamo import DynamoStore
from klaxon.incidents.doc import IncidentDoc, read_doc
from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.postmortem import postmortem
from klaxon.incidents.timeline import MAX_ENTRY_CHARS, EntryKind, TimelineEntry, pin_key
from klaxon.paging.policies import EscalationPolicy, Level, Page
from klaxon.web.pages import Places, doc_page

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
INCIDENT_ID = "20261129-3fa2c1d4"
PEOPLE = {f"U{n:08d}": name for n, name in enumerate(("Alice Ito", "Bob Meyer", "Carol Diaz", "Dan Okafor",
                                                         "Erin Walsh", "Femi Adeyemi", "Gita Rao", "Hugo Lind"))}
CHANNEL = "C0INC0001"
TEXTS = {  # what each kind of entry says, as Klaxon stores it (Slack's markup)
    EntryKind.PIN: "payments returning 502 for *EU* cards since the 10:02 deploy, see "
                   "<https://grafana.example/d/payments?from=now-1h&amp;to=now|the dashboard> - <@U00000002> "
                   "is rolling back; `kubectl rollout undo deploy/payments` &lt;- ran it",
    EntryKind.FIELD: "role comms <@U00000003>",
    EntryKind.UPDATE: "error rate down to 2% after the rollback; watching _checkout_ for 15 more minutes",
    EntryKind.ACTION: "action a3: add a canary stage to the payments pipeline (owner <@U00000004>)",
    EntryKind.PAGE: "<@U00000001> acknowledged the page after 2m",
    EntryKind.STATUS: "status monitoring: rollback deployed, <#C0OPS0001|ops> told",
}
KINDS = list(TEXTS)


def timeline(entries: int, long_texts: bool) -> list[TimelineEntry]:
    """`entries` entries a few seconds apart, by eight people, of every kind."""
    made = []
    for n in range(entries):
        kind = KINDS[n % len(KINDS)]
        text = ("x" * MAX_ENTRY_CHARS) if long_texts else f"{TEXTS[kind]} ({n})"
        at = T0 + timedelta(seconds=7 * n)
        key = pin_key(CHANNEL, f"{int(at.timestamp())}.{n:06d}") if kind is EntryKind.PIN else f"Ev{n}/command/0"
        made.append(TimelineEntry(INCIDENT_ID, key, at, kind, f"U{n % len(PEOPLE):08d}", text,
                                  message=(CHANNEL, key.rsplit(":", 1)[1]) if kind is EntryKind.PIN else None))
    return made


def incident() -> Incident:
    declared = Incident(id=INCIDENT_ID, summary="Checkout fails for *EU* customers &amp; partners",
                        severity=Severity.CRITICAL, reporter="U00000000", lead="U00000001", lead_since=T0,
                        declared_at=T0, impact="EU card payments fail at checkout (about 30% of orders)",
                        comms_channel=CHANNEL, headline=("C0INCIDENTS", "1795990000.000100"),
                        alert_ids=("C0ALERTS/1795989900.000100",), page_ids=("incident/x/severity",))
    declared = declared.with_role("comms", "U00000003").with_role("scribe", "U00000005")
    for minutes, status in ((6, Status.IDENTIFIED), (15, Status.MONITORING), (42, Status.RESOLVED)):
        declared = declared.with_status(status, "U00000001", T0 + timedelta(minutes=minutes), "see the timeline")
    for n in range(12):
        declared, _ = declared.with_action(f"follow-up {n}: harden the payments deploy", f"U{n % 8:08d}",
                                           "U00000001", T0 + timedelta(hours=1, minutes=n))
    return declared


def stored(store: DynamoStore, entries: list[TimelineEntry]) -> None:
    """The incident, its alert and page, and its timeline written as Klaxon writes them (each change's entries
    in its transaction: 90 a time here, within a transaction's 100 writes)."""
    first, *rest = [entries[n:n + 90] for n in range(0, len(entries), 90)]
    current, _ = store.incidents.declare(incident(), "form:V1", first, None)
    for chunk in rest:
        current = store.incidents.save(current, current, chunk, None)
    alert = Alert(id="C0ALERTS/1795989900.000100", text="5xx above 5% on payments", label="[Error]",
                  origin=SlackMessageOrigin(channel="C0ALERTS", ts="1795989900.000100", poster="B0GRAFANA"),
                  target_channel="C0INCIDENTS", fingerprint="5xx above #% on payments", first_seen=T0)
    store.alerts.raise_alert(alert, T0 + timedelta(minutes=10))
    store.pages.start(Page(id="incident/x/severity", summary="checkout fails", channel=CHANNEL, ts="1.0",
                           policy=EscalationPolicy("payments", (Level(("U00000001",), 60),)), started_at=T0))


def timed(work: Callable[[], Any], rounds: int) -> tuple[float, float, Any]:
    """Median and slowest milliseconds of `work()` over `rounds`, and its last result."""
    took, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = work()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took), max(took), result


def run(entries: int, rounds: int, long_texts: bool) -> dict[str, Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "klaxon-bench")
        store = DynamoStore(client, "klaxon-bench")
        stored(store, timeline(entries, long_texts))
        reads = store.table.reads
        before = (reads.items, reads.requests, dict(reads.by_kind))
        doc = read_doc(INCIDENT_ID, store.incidents, store.alerts, store.pages)
        assert isinstance(doc, IncidentDoc) and len(doc.record.timeline) == entries
        read = {"items": reads.items - before[0], "requests": reads.requests - before[1],
                "by_kind": {kind: count - before[2].get(kind, 0) for kind, count in reads.by_kind.items()}}
    places = Places(slack_url="https://acme.slack.com/", postmortem_url="https://k.example/postmortem.md?t=x")
    now = T0 + timedelta(hours=3)
    render_ms, render_max, page = timed(lambda: doc_page(doc, names=PEOPLE.get, now=now, places=places), rounds)
    export_ms, export_max, markdown = timed(lambda: postmortem(doc.record.incident, doc.record.timeline,
                                                               PEOPLE.get, now), rounds)
    return {"entries": entries, "read": read, "render_ms": render_ms, "render_max": render_max,
            "html_bytes": len(page.html.encode()), "export_ms": export_ms, "export_max": export_max,
            "markdown_bytes": len(markdown.encode())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print("| timeline | page view reads: requests (items) | render median / slowest | HTML | postmortem median "
          "/ slowest | Markdown |")
    print("|---|---|---|---|---|---|")
    for long_texts in (False, True):
        figures = run(args.entries, args.rounds, long_texts)
        read = figures["read"]
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(read["by_kind"].items()) if count)
        what = f"{args.entries} entries" + (f" of {MAX_ENTRY_CHARS} characters" if long_texts else " (typical texts)")
        print(f"| {what} | {read['requests']} ({read['items']} items: {kinds}) | {figures['render_ms']:.0f} ms / "
              f"{figures['render_max']:.0f} ms | {figures['html_bytes'] / 1024:.0f} KB | {figures['export_ms']:.0f} ms "
              f"/ {figures['export_max']:.0f} ms | {figures['markdown_bytes'] / 1024:.0f} KB |")


if __name__ == "__main__":
    main()
