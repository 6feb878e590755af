"""What an operator sees of the real handlers: metrics in CloudWatch's embedded metric format, and log lines
that name the Slack event, the alert and the page they are about - through signed requests and the local cloud."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from infra.driver import StackDriver
from infra.local import LocalCloud
from klaxon.rules import Rule
from klaxon.slack.actions import ActionId


def emf_lines(text: str) -> list[dict[str, Any]]:
    """The embedded-metric-format lines among what the functions printed."""
    found = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            found.append(json.loads(line))
    return found


def metric(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in lines
            if any(m["Name"] == name for block in line["_aws"]["CloudWatchMetrics"] for m in block["Metrics"])]


@pytest.fixture
def scene(stack: StackDriver) -> dict[str, Any]:
    incidents = stack.workspace.add_channel("incidents")["id"]
    alerts = stack.workspace.add_channel("alerts-prod")["id"]
    stack.workspace.add_bot("datadog")
    rule = Rule.create(pattern=r"disk (full|\d+%)", target_channel=incidents, label="[Error]")
    stack.configure(lambda config: config.with_rules((rule,)))
    return {"rule": rule.id, "alerts": alerts}


def test_an_alert_and_its_repeat_are_counted_in_embedded_metric_format(stack, scene, capsys):
    stack.workspace.post("#alerts-prod", "disk 91% full on db-1", bot="datadog")
    stack.workspace.post("#alerts-prod", "disk 93% full on db-1", bot="datadog")
    stack.settle()

    lines = emf_lines(capsys.readouterr().out)
    (raised,) = metric(lines, "AlertsRaised")
    assert raised["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Klaxon"
    assert [set(dimensions) for dimensions in raised["_aws"]["CloudWatchMetrics"][0]["Dimensions"]] == [
        {"Source", "service"}]  # in any order: CloudWatch's dimension sets are sets
    assert (raised["Source"], raised["service"], raised["rule"], raised["AlertsRaised"]) == (
        "slack", "klaxon", scene["rule"], [1.0])
    (grouped,) = metric(lines, "AlertsGrouped")
    assert grouped["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]] and grouped["AlertsGrouped"] == [1.0]


@pytest.fixture
def logs(local_stack: tuple[StackDriver, LocalCloud]) -> Iterator[io.StringIO]:
    """What the functions' Logger writes (its own handler, on klaxon's logger), while the test runs."""
    _, cloud = local_stack
    _ = cloud.functions["SlackAppFunction"].handler  # a warm container: the handler's module made its Logger
    (handler,) = [h for h in logging.getLogger("klaxon").handlers if isinstance(h, logging.StreamHandler)]
    written = io.StringIO()
    # Swapped, not setStream(): that flushes the stream it replaces, which may be an earlier test's, closed.
    previous, handler.stream = handler.stream, written
    yield written
    handler.stream = previous


def lines_of(logs: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]


def test_a_warning_about_an_alert_names_the_alert_and_the_slack_event(stack, scene, logs):
    stack.workspace.refuse_next("chat.getPermalink", "message_not_found")
    posted = stack.workspace.post("#alerts-prod", "disk full on db-2", bot="datadog")
    stack.settle()

    lines = lines_of(logs)
    (warning,) = [line for line in lines if line["message"] == "no permalink"]
    alert_id = f"{scene['alerts']}/{posted.ts}"
    assert warning["alert_id"] == alert_id and warning["correlation_id"].startswith("Ev")
    (judged,) = [line for line in lines if line["message"] == "message judged"]
    assert "alert_id" not in judged, "the work about the alert is over: its key is gone"
    assert judged["correlation_id"] == warning["correlation_id"]


def test_a_warning_about_a_page_names_the_page(stack, alice, bob, logs):
    ws = stack.workspace
    ws.add_channel("ops")
    stack.klaxon(alice, "#ops", "policy set db level @alice after 1m")
    stack.klaxon(alice, "#ops", "policy use db in #ops")
    mention = ws.post("#ops", "<@U0KLAXON> db-1 is down", user=bob)
    stack.settle()
    (page_dm,) = [m for m in ws.ims(alice) if m.get("user") == "U0KLAXON"]

    ws.refuse_next("chat.update", "message_not_found")  # the direct message is gone
    ws.click(alice, alice, page_dm["ts"], ActionId.ACKNOWLEDGE_PAGE.value)
    stack.settle()

    lines = lines_of(logs)
    (warning,) = [line for line in lines if line["message"] == "page message not updated"]
    assert warning["page_id"] == warning["page"] and mention.ts in warning["page_id"]
    (acknowledged,) = [line for line in lines if line["message"] == "page acknowledged"]
    assert "page_id" not in acknowledged
