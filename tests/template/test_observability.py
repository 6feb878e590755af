"""The dashboard shows what the code emits, where it emits it; every alarm says what to do in the runbook.

The dashboard's Klaxon metrics are checked against klaxon.metrics (every name, both ways), in the namespace
and with the `service` dimension the functions' environment gives Powertools, and with the dimension values
the code uses (the alerts' sources, the sweep's steps); its log queries read the functions' own log groups.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra import template as tpl
from klaxon.alerts.external import SOURCES
from klaxon.alerts.model import SLACK_SOURCE
from klaxon.metrics import SOURCE, STEP, Metric
from klaxon.sweep import Step

RUNBOOK = tpl.REPO_ROOT / "docs" / "RUNBOOK.md"
AWS_NAMESPACES = {"AWS/Lambda", "AWS/SQS", "AWS/DynamoDB"}
# The dimension values each dimensioned metric is emitted with (klaxon.measurements, klaxon.entrypoints.sweep).
DIMENSIONED = {Metric.ALERTS_RAISED: (SOURCE, {SLACK_SOURCE, *SOURCES}), Metric.SWEEP_WORK: (STEP, set(Step))}


def placeholders(text: str) -> str:
    """!Sub's `${Name}` as `<Name>`, so the text can be read as the JSON CloudFormation makes of it."""
    return re.sub(r"\$\{([^}!]+)\}", r"<\1>", text)


def substituted(value: Any) -> str:
    """A template value (a string or an Fn::Sub) with !Sub's placeholders as `<Name>`."""
    return placeholders(value["Fn::Sub"] if isinstance(value, dict) else value)


@pytest.fixture(scope="module")
def dashboard(cloudformation: dict[str, Any]) -> dict[str, Any]:
    (resource,) = [r for r in cloudformation["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    return dict(json.loads(substituted(resource["Properties"]["DashboardBody"])))


def charted(dashboard: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """Every metric the dashboard draws: namespace, name and dimensions."""
    found = []
    for widget in dashboard["widgets"]:
        for row in widget["properties"].get("metrics", []):
            namespace, name, *rest = [part for part in row if not isinstance(part, dict)]
            found.append((namespace, name, dict(zip(rest[::2], rest[1::2], strict=True))))
    return found


@pytest.fixture(scope="module")
def environment(cloudformation: dict[str, Any]) -> dict[str, str]:
    """The functions' environment, as every function gets it from the template's Globals."""
    variables = cloudformation["Resources"]["SweepFunction"]["Properties"]["Environment"]["Variables"]
    return {name: substituted(variables[name]) for name in ("POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME")}


def test_the_dashboard_draws_every_metric_klaxon_emits_and_none_it_does_not(dashboard, environment):
    namespace = environment["POWERTOOLS_METRICS_NAMESPACE"]
    assert namespace == "Klaxon/<AWS::StackName>", "one namespace per stack"
    drawn = charted(dashboard)
    assert {name for ns, name, _ in drawn if ns == namespace} == {metric.value for metric in Metric}
    assert {ns for ns, _, _ in drawn} == {namespace} | AWS_NAMESPACES


def test_the_dashboards_klaxon_metrics_have_the_dimensions_the_code_gives_them(dashboard, environment):
    namespace, service = environment["POWERTOOLS_METRICS_NAMESPACE"], environment["POWERTOOLS_SERVICE_NAME"]
    values: dict[str, set[str]] = {}
    for ns, name, dimensions in charted(dashboard):
        if ns != namespace:
            continue
        assert dimensions.pop("service") == service, f"{name}: Powertools adds service={service}"
        dimension = DIMENSIONED.get(Metric(name), (None, set()))[0]
        assert set(dimensions) == ({dimension} if dimension else set()), name
        values.setdefault(name, set()).update(dimensions.values())
    for metric, (_, emitted) in DIMENSIONED.items():
        assert values[metric.value] == emitted, f"{metric}: one line per value the code emits"


def test_the_dashboard_reads_the_functions_own_logs_and_lists_every_alarm(dashboard, cloudformation):
    functions = {substituted(r["Properties"]["FunctionName"]) for r in cloudformation["Resources"].values()
                 if r["Type"] == "AWS::Lambda::Function"}
    queries = [w["properties"]["query"] for w in dashboard["widgets"] if w["type"] == "log"]
    assert queries, "alerts by rule and Slack's limits by method come from the logs"
    for query in queries:
        assert set(re.findall(r"SOURCE '/aws/lambda/([^']+)'", query)) == functions
    (alarms,) = [w["properties"]["alarms"] for w in dashboard["widgets"] if w["type"] == "alarm"]
    assert {arn.removeprefix("<").removesuffix(".Arn>") for arn in alarms} == set(alarms_of(cloudformation))


def alarms_of(cloudformation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in cloudformation["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def runbook_sections(text: str) -> dict[str, str]:
    """The runbook's `## Name` sections and their text."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_every_alarm_has_a_runbook_section_that_says_what_it_means_and_what_to_do(cloudformation):
    sections = runbook_sections(RUNBOOK.read_text())
    alarms = alarms_of(cloudformation)
    assert {title for title in sections if title.endswith("Alarm")} == set(alarms), "one section per alarm"
    for name, alarm in alarms.items():
        section = sections[name]
        assert "**What it means.**" in section and "**What to do.**" in section, name
        assert "```sh" in section, f"{name}: the steps come with their commands"
        description = " ".join(alarm["Properties"]["AlarmDescription"].split())
        assert f"docs/RUNBOOK.md#{name.lower()}" in description, f"{name}'s description links its section"


def test_the_runbooks_links_between_sections_lead_somewhere():
    text = RUNBOOK.read_text()
    anchors = {title.lower().replace(" ", "-") for title in runbook_sections(text)}
    assert set(re.findall(r"\]\(#([a-z0-9-]+)\)", text)) <= anchors


def test_the_readme_links_the_runbook():
    assert "(docs/RUNBOOK.md)" in (tpl.REPO_ROOT / "README.md").read_text()
