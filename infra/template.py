"""template.yaml, read the way the local cloud and the tests need it.

The template is the single source of truth (DESIGN.md): the local cloud takes its routes, handlers,
environment and schedule from here, and every test builds its DynamoDB table from the template's own
definition, so tests cannot drift from what `sam deploy` creates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class Intrinsic(dict[str, Any]):
    """A CloudFormation short-form tag (!Ref, !Sub, ...) kept as its long form, e.g. {"Ref": "Table"}."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Intrinsic:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Intrinsic({name: value})


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short-form intrinsic tags."""


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)


@cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, intrinsics in their long form."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass


@dataclass(frozen=True)
class Route:
    """One HTTP API route: method and path template, e.g. ("POST", "/webhooks/{source}")."""

    method: str
    path: str
    function: str

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if this route serves the request, else None."""
        if method.upper() != self.method:
            return None
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class FunctionSpec:
    """What the local cloud needs to run one AWS::Serverless::Function in-process."""

    logical_id: str
    name_template: Any
    code_uri: Path
    handler: str
    timeout: int
    environment: Mapping[str, Any]
    schedule: str | None

    @property
    def handler_file(self) -> Path:
        module, _ = self.handler.rsplit(".", 1)
        return self.code_uri / f"{module.replace('.', '/')}.py"

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def functions(template: Mapping[str, Any] | None = None) -> dict[str, FunctionSpec]:
    """Every serverless function in the template, with Globals applied."""
    template = template or load_template()
    defaults = template.get("Globals", {}).get("Function", {})
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = {**defaults, **resource["Properties"]}
        env = {**defaults.get("Environment", {}).get("Variables", {}),
               **resource["Properties"].get("Environment", {}).get("Variables", {})}
        found[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name_template=props.get("FunctionName", logical_id),
            code_uri=REPO_ROOT / props["CodeUri"],
            handler=props["Handler"],
            timeout=int(props.get("Timeout", 3)),
            environment=env,
            schedule=_schedule(resource),
        )
    return found


def routes(template: Mapping[str, Any] | None = None) -> list[Route]:
    """Every HttpApi route in the template, most specific (fewest parameters) first."""
    template = template or load_template()
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                found.append(Route(props["Method"].upper(), props["Path"], logical_id))
    return sorted(found, key=lambda route: route.path.count("{"))


def table_definition(template: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The one AWS::DynamoDB::Table's properties, as CreateTable arguments (name not included)."""
    template = template or load_template()
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    if len(tables) != 1:
        raise ValueError(f"template.yaml should define exactly one DynamoDB table, found {len(tables)}")
    props = tables[0]["Properties"]
    definition: dict[str, Any] = {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if "GlobalSecondaryIndexes" in props:
        definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    return definition


def ttl_attribute(template: Mapping[str, Any] | None = None) -> str | None:
    """The table's TTL attribute name, if TTL is enabled."""
    template = template or load_template()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            ttl = resource["Properties"].get("TimeToLiveSpecification", {})
            return ttl.get("AttributeName") if ttl.get("Enabled") else None
    return None


def create_table(dynamodb_client: Any, table_name: str, template: Mapping[str, Any] | None = None) -> None:
    """Create the template's table under `table_name` (moto or DynamoDB Local) and wait until active."""
    dynamodb_client.create_table(TableName=table_name, **table_definition(template))
    dynamodb_client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.1})
    attribute = ttl_attribute(template)
    if attribute:
        dynamodb_client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute})


def _schedule(resource: Mapping[str, Any]) -> str | None:
    for event in resource["Properties"].get("Events", {}).values():
        if event["Type"] in ("Schedule", "ScheduleV2"):
            return str(event["Properties"]["Schedule" if event["Type"] == "Schedule" else "ScheduleExpression"])
    return None


def schedule_seconds(expression: str) -> float:
    """Seconds between runs for a `rate(N unit)` expression; cron() is not used by Klaxon."""
    found = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not found:
        raise ValueError(f"only rate() schedules are supported locally, not {expression!r}")
    unit = {"minute": 60, "hour": 3600, "day": 86400}[found.group(2).rstrip("s")]
    return int(found.group(1)) * unit
