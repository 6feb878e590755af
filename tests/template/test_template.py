"""template.yaml defines the whole stack: linted, validated, and transformed offline to check what SAM makes."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from infra import template as tpl

REPO = tpl.REPO_ROOT
BIN = Path(sys.executable).parent


class NoManagedPolicies:
    """The template uses inline statements only, so the IAM managed-policy lookup must never be needed."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def cloudformation() -> dict[str, Any]:
    template = copy.deepcopy(tpl.load_template())
    # As `sam package` leaves it: local code locations replaced by the S3 objects they were uploaded to.
    for name, resource in template["Resources"].items():
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = f"s3://klaxon-artifacts/{name}.zip"
    parameters = {"SlackBotToken": "xoxb-test", "SlackSigningSecret": "0123456789abcdef"}
    return transform(json.loads(json.dumps(template)), parameters, NoManagedPolicies())


def resources_of(cfn: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in cfn["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_finds_nothing() -> None:
    result = subprocess.run([str(BIN / "cfn-lint"), str(REPO / "template.yaml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_sam_validate_with_lint_passes() -> None:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run([str(BIN / "sam"), "validate", "--lint", "--template-file", "template.yaml"],
                            cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_http_api_serves_the_three_contract_routes(cloudformation: dict[str, Any]) -> None:
    (api,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Api").values()
    paths = api["Properties"]["Body"]["paths"]
    assert set(paths) == {"/slack/events", "/webhooks/{source}", "/incidents/{id}"}
    assert "post" in paths["/slack/events"] and "post" in paths["/webhooks/{source}"]
    assert "get" in paths["/incidents/{id}"]

    def target(path: str, method: str) -> str:
        uri = paths[path][method]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        return uri.split("functions/${")[1].split(".Arn")[0]

    assert target("/slack/events", "post") == "SlackAppFunction"
    assert target("/webhooks/{source}", "post") == target("/incidents/{id}", "get") == "WebhooksFunction"


def test_every_function_is_python313_on_arm64_with_the_layer_and_tracing(cloudformation: dict[str, Any]) -> None:
    functions = resources_of(cloudformation, "AWS::Lambda::Function")
    assert set(functions) == {"SlackAppFunction", "WebhooksFunction", "SweepFunction"}
    (layer_id,) = resources_of(cloudformation, "AWS::Lambda::LayerVersion")
    for props in (f["Properties"] for f in functions.values()):
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["arm64"]
        assert props["Layers"] == [{"Ref": layer_id}]
        assert props["TracingConfig"] == {"Mode": "Active"}
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "klaxon"
        assert env["TABLE_NAME"] == {"Ref": "Table"}
        assert env["SLACK_SECRET_ARN"] == {"Ref": "SlackSecret"}
        assert {"SLACK_API_URL", "ADMIN_USERS", "INCIDENTS_CHANNEL", "POWERTOOLS_METRICS_NAMESPACE"} <= set(env)


def test_the_layer_is_built_from_shared_for_arm64() -> None:
    layer = tpl.load_template()["Resources"]["KlaxonLayer"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}


def test_sweep_runs_every_minute(cloudformation: dict[str, Any]) -> None:
    rules = resources_of(cloudformation, "AWS::Events::Rule").values()
    (rule,) = [r for r in rules if r["Properties"].get("ScheduleExpression") == "rate(1 minute)"]
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["SweepFunction", "Arn"]}


def test_table_is_on_demand_recoverable_with_due_index_and_ttl(cloudformation: dict[str, Any]) -> None:
    (table,) = resources_of(cloudformation, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    (due,) = props["GlobalSecondaryIndexes"]
    assert due["IndexName"] == "due"
    assert [k["AttributeName"] for k in due["KeySchema"]] == ["due_kind", "due_at"]
    assert table["DeletionPolicy"] == "Retain"


def test_slack_credentials_live_in_secrets_manager_from_noecho_parameters(cloudformation: dict[str, Any]) -> None:
    parameters = tpl.load_template()["Parameters"]
    assert parameters["SlackBotToken"]["NoEcho"] is True
    assert parameters["SlackSigningSecret"]["NoEcho"] is True
    text = resources_of(cloudformation, "AWS::SecretsManager::Secret")["SlackSecret"]["Properties"]["SecretString"]
    assert "${SlackBotToken}" in text["Fn::Sub"] and "${SlackSigningSecret}" in text["Fn::Sub"]


def test_webhook_secrets_are_generated_into_one_secret_only_the_webhooks_function_reads(
        cloudformation: dict[str, Any]) -> None:
    secret = resources_of(cloudformation, "AWS::SecretsManager::Secret")["WebhookSecret"]["Properties"]
    assert secret["GenerateSecretString"]["GenerateStringKey"] == "generic", "a key per source: generic's made"
    env = cloudformation["Resources"]["WebhooksFunction"]["Properties"]["Environment"]["Variables"]
    assert env["WEBHOOK_SECRET_ARN"] == {"Ref": "WebhookSecret"}

    def readers(role: str) -> list[Any]:
        return [s["Resource"] for s in _statements(cloudformation, role)
                if "secretsmanager:GetSecretValue" in _actions(s) and s["Resource"] == {"Ref": "WebhookSecret"}]

    assert readers("WebhooksFunctionRole") == [{"Ref": "WebhookSecret"}]
    assert readers("SlackAppFunctionRole") == readers("SweepFunctionRole") == []


def test_slack_function_async_failures_are_retried_then_dead_lettered(cloudformation: dict[str, Any]) -> None:
    props = cloudformation["Resources"]["SlackAppFunction"]["Properties"]
    (queue_id,) = resources_of(cloudformation, "AWS::SQS::Queue")
    assert props["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    (invoke_config,) = resources_of(cloudformation, "AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 2


def _statements(cfn: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = cfn["Resources"][role]["Properties"].get("Policies", [])
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def test_policies_are_least_privilege(cloudformation: dict[str, Any]) -> None:
    for role in resources_of(cloudformation, "AWS::IAM::Role"):
        for statement in _statements(cloudformation, role):
            actions = _actions(statement)
            assert "*" not in json.dumps(actions), f"{role} grants a wildcard action"
            assert "dynamodb:Scan" not in actions, f"{role} may Scan: the sweep reads only what is due"
            assert statement["Resource"] != "*", f"{role} grants {actions} on every resource"


def test_slack_function_may_invoke_itself_without_a_template_cycle(cloudformation: dict[str, Any]) -> None:
    statements = _statements(cloudformation, "SlackAppFunctionRole")
    (invoke,) = [s for s in statements if "lambda:InvokeFunction" in _actions(s)]
    assert invoke["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-slack-app"}
    name = cloudformation["Resources"]["SlackAppFunction"]["Properties"]["FunctionName"]
    assert name == {"Fn::Sub": "${AWS::StackName}-slack-app"}
    assert _dependency_cycle(cloudformation) is None


def test_only_the_slack_function_may_invoke_lambda(cloudformation: dict[str, Any]) -> None:
    for role in ("WebhooksFunctionRole", "SweepFunctionRole"):
        assert not any("lambda:InvokeFunction" in _actions(s) for s in _statements(cloudformation, role))


def test_outputs_give_the_slack_request_url_and_webhook_base_url() -> None:
    outputs = tpl.load_template()["Outputs"]
    assert outputs["SlackRequestUrl"]["Value"]["Fn::Sub"].endswith("/slack/events")
    assert outputs["WebhookBaseUrl"]["Value"]["Fn::Sub"].endswith("/webhooks/")


def test_samconfig_lets_sam_deploy_run_without_flags() -> None:
    import tomllib

    config = tomllib.loads((REPO / "samconfig.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert config["default"]["global"]["parameters"]["stack_name"] == "klaxon"


@pytest.mark.slow
def test_sam_build_packages_the_layer_for_arm64(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run([str(BIN / "sam"), "build", "--build-dir", str(tmp_path / "build"),
                             "--cache-dir", str(tmp_path / "cache")],
                            cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    layer = tmp_path / "build" / "KlaxonLayer" / "python"
    assert (layer / "klaxon" / "__init__.py").exists()
    assert list((layer / "re2").glob("_re2.cpython-313-aarch64-linux-gnu.so")), "RE2 must be the arm64 build"
    assert (tmp_path / "build" / "SlackAppFunction" / "app.py").exists()


def _dependency_cycle(cfn: dict[str, Any]) -> list[str] | None:
    """A cycle among resources (through Ref, GetAtt, Sub and DependsOn), or None."""
    resources = cfn["Resources"]

    def references(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref" and value in resources:
                    found.add(value)
                elif key == "Fn::GetAtt":
                    found.add(value[0] if isinstance(value, list) else value.split(".")[0])
                elif key == "Fn::Sub":
                    text = value if isinstance(value, str) else value[0]
                    found |= {name for name in resources if "${" + name in text}
                found |= references(value)
        elif isinstance(node, list):
            for value in node:
                found |= references(value)
        return found

    graph = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn", [])
        graph[name] = references(resource.get("Properties", {})) | set(
            [depends] if isinstance(depends, str) else depends)
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> list[str] | None:
        if name in visiting:
            return visiting[visiting.index(name):] + [name]
        if name in done:
            return None
        visiting.append(name)
        for dependency in graph.get(name, ()):
            cycle = visit(dependency)
            if cycle:
                return cycle
        visiting.pop()
        done.add(name)
        return None

    for resource_name in graph:
        cycle = visit(resource_name)
        if cycle:
            return cycle
    return None
