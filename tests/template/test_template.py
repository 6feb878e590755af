"""template.yaml defines the whole stack: linted, validated, and transformed offline to check what SAM makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import template as tpl
from klaxon.alerts.external import SOURCES
from tests.graphs import first_cycle

REPO = tpl.REPO_ROOT
BIN = Path(sys.executable).parent
# checkov pins boto3 and friends older than Klaxon's, so the Makefile gives it a virtual environment of its own.
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"


def resources_of(cfn: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in cfn["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_finds_nothing_not_even_informational() -> None:
    result = subprocess.run([str(BIN / "cfn-lint"), "--include-checks", "I", "--", str(REPO / "template.yaml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_finds_nothing_that_is_not_suppressed_with_a_reason() -> None:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: `make test` installs it"
    # --skip-download: no calls to Prisma Cloud for guidelines (there is no network in CI, nor need).
    result = subprocess.run([str(CHECKOV), "--file", "template.yaml", "--framework", "cloudformation",
                             "--skip-download", "--output", "json"],
                            cwd=REPO, capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    summary, checks = report["summary"], report["results"]
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in checks["failed_checks"]]
    assert failed == [], "new checkov findings: fix them, or skip them in the template's Metadata with a reason"
    assert summary["parsing_errors"] == 0 and summary["passed"] >= 10, summary
    unexplained = [f"{c['check_id']} {c['resource']}" for c in checks["skipped_checks"]
                   if len(c["check_result"].get("suppress_comment", "")) < 40]
    assert unexplained == [], "every skipped check says why"


@pytest.mark.slow
def test_sam_validate_with_lint_passes() -> None:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run([str(BIN / "sam"), "validate", "--lint", "--template-file", "template.yaml"],
                            cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_http_api_serves_the_contract_routes_and_the_incident_pages(cloudformation: dict[str, Any]) -> None:
    (api,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Api").values()
    paths = api["Properties"]["Body"]["paths"]
    pages = {"/incidents/{id}", "/incidents/{id}/postmortem.md", "/incidents"}
    assert set(paths) == {"/slack/events", "/webhooks/{source}", *pages}
    assert "post" in paths["/slack/events"] and "post" in paths["/webhooks/{source}"]
    assert all(set(paths[page]) == {"get"} for page in pages)

    def target(path: str, method: str) -> str:
        uri = paths[path][method]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        return uri.split("functions/${")[1].split(".Arn")[0]

    assert target("/slack/events", "post") == "SlackAppFunction"
    assert {target("/webhooks/{source}", "post"), *(target(page, "get") for page in pages)} == {"WebhooksFunction"}


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
    due, history = props["GlobalSecondaryIndexes"]
    assert due["IndexName"] == "due"
    assert [k["AttributeName"] for k in due["KeySchema"]] == ["due_kind", "due_at"]
    assert (history["IndexName"], history["Projection"]) == ("history", {"ProjectionType": "ALL"})
    assert [k["AttributeName"] for k in history["KeySchema"]] == ["history_kind", "history_at"]
    assert table["DeletionPolicy"] == "Retain"


def test_only_the_functions_that_list_incidents_may_query_the_history_index(cloudformation: dict[str, Any]) -> None:
    def indexes(role: str) -> set[str]:
        return {resource["Fn::Sub"].rsplit("/", 1)[1] for statement in _statements(cloudformation, role)
                for resource in (statement["Resource"] if isinstance(statement["Resource"], list) else [])
                if isinstance(resource, dict) and "/index/" in resource.get("Fn::Sub", "")}

    assert "history" in indexes("SlackAppFunctionRole") and "history" in indexes("WebhooksFunctionRole")
    assert "history" not in indexes("SweepFunctionRole")


def test_links_are_signed_with_a_generated_kept_key_every_function_reads(cloudformation: dict[str, Any]) -> None:
    secret = cloudformation["Resources"]["LinkKeySecret"]
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert (secret["DeletionPolicy"], secret["UpdateReplacePolicy"]) == ("Retain", "Retain")
    for function in ("SlackAppFunction", "WebhooksFunction", "SweepFunction"):
        env = cloudformation["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert env["LINK_KEY_SECRET_ARN"] == {"Ref": "LinkKeySecret"}
        assert [s["Action"] for s in _statements(cloudformation, f"{function}Role")
                if s["Resource"] == {"Ref": "LinkKeySecret"}] == ["secretsmanager:GetSecretValue"]


def test_links_point_at_the_api_s_own_address_read_at_run_time_without_a_template_cycle(
        cloudformation: dict[str, Any]) -> None:
    parameter = cloudformation["Resources"]["PublicBaseUrlParameter"]["Properties"]
    assert parameter["Name"] == {"Fn::Sub": "/${AWS::StackName}/public-base-url"}
    custom, api_url = parameter["Value"]["Fn::If"][1:]
    assert custom == {"Ref": "PublicBaseUrl"}
    assert api_url == {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    arn = ("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/"
           "public-base-url")
    for function in ("SlackAppFunction", "WebhooksFunction", "SweepFunction"):
        env = cloudformation["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert env["PUBLIC_BASE_URL_PARAMETER"] == parameter["Name"] and "PUBLIC_BASE_URL" not in env
        (read,) = [s for s in _statements(cloudformation, f"{function}Role") if s["Action"] == "ssm:GetParameter"]
        assert read["Resource"] == {"Fn::Sub": arn}
    assert _dependency_cycle(cloudformation) is None


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


def _invoke_config(cfn: dict[str, Any], function: str) -> dict[str, Any]:
    (config,) = [r["Properties"] for r in resources_of(cfn, "AWS::Lambda::EventInvokeConfig").values()
                 if r["Properties"]["FunctionName"] == {"Ref": function}]
    return config


DEAD_LETTER_QUEUE = {"Fn::GetAtt": ["AsyncDeadLetterQueue", "Arn"]}


def test_slack_function_async_failures_are_retried_then_dead_lettered(cloudformation: dict[str, Any]) -> None:
    props = cloudformation["Resources"]["SlackAppFunction"]["Properties"]
    assert list(resources_of(cloudformation, "AWS::SQS::Queue")) == ["AsyncDeadLetterQueue"]
    assert props["DeadLetterConfig"] == {"TargetArn": DEAD_LETTER_QUEUE}
    assert _invoke_config(cloudformation, "SlackAppFunction")["MaximumRetryAttempts"] == 2


def test_a_failed_sweep_is_retried_once_then_dead_lettered(cloudformation: dict[str, Any]) -> None:
    props = cloudformation["Resources"]["SweepFunction"]["Properties"]
    assert props["DeadLetterConfig"] == {"TargetArn": DEAD_LETTER_QUEUE}
    config = _invoke_config(cloudformation, "SweepFunction")
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (1, 300)
    assert "sqs:SendMessage" in [a for s in _statements(cloudformation, "SweepFunctionRole")
                                 if s["Resource"] == DEAD_LETTER_QUEUE for a in _actions(s)]


def test_schedule_events_eventbridge_cannot_deliver_are_retried_then_dead_lettered(
        cloudformation: dict[str, Any]) -> None:
    (rule,) = resources_of(cloudformation, "AWS::Events::Rule").values()
    (target,) = rule["Properties"]["Targets"]
    assert target["DeadLetterConfig"] == {"Arn": DEAD_LETTER_QUEUE}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 60}
    # EventBridge sends with the queue's permission, which names this one rule.
    (policy,) = resources_of(cloudformation, "AWS::SQS::QueuePolicy").values()
    assert policy["Properties"]["Queues"] == [{"Ref": "AsyncDeadLetterQueue"}]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == DEAD_LETTER_QUEUE
    rule_arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    assert rule_arn.endswith(":rule/" + rule["Properties"]["Name"]["Fn::Sub"])


def test_webhook_failures_go_back_to_the_sender_not_to_a_dead_letter_queue(cloudformation: dict[str, Any]) -> None:
    """API Gateway invokes synchronously: a DLQ would never receive anything; the sender retries a 5xx."""
    webhooks = tpl.load_template()["Resources"]["WebhooksFunction"]["Properties"]
    assert {event["Type"] for event in webhooks["Events"].values()} == {"HttpApi"}
    assert "DeadLetterConfig" not in cloudformation["Resources"]["WebhooksFunction"]["Properties"]
    errors = cloudformation["Resources"]["WebhooksErrorsAlarm"]["Properties"]
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "WebhooksFunction"}}]


def test_the_data_the_credentials_and_dead_letters_outlive_the_stack(cloudformation: dict[str, Any]) -> None:
    for name in ("Table", "SlackSecret", "LinkKeySecret", "AsyncDeadLetterQueue", "HttpApiAccessLogs"):
        resource = cloudformation["Resources"][name]
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain"), name


def test_cloudwatch_may_publish_alarms_to_the_encrypted_alarm_topic(cloudformation: dict[str, Any]) -> None:
    (topic_id, topic), = resources_of(cloudformation, "AWS::SNS::Topic").items()
    key_ref = topic["Properties"]["KmsMasterKeyId"]
    assert key_ref != "alias/aws/sns", "CloudWatch cannot use the AWS managed SNS key"
    (key_id, key), = resources_of(cloudformation, "AWS::KMS::Key").items()
    assert key_ref == {"Ref": key_id} and key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (cloudwatch,) = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Effect"] == "Allow" and set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    alarms = resources_of(cloudformation, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {"SlackAppErrorsAlarm", "WebhooksErrorsAlarm", "SweepErrorsAlarm", "SweepStoppedAlarm",
                           "DeadLetterAlarm", "LambdaThrottlesAlarm", "DynamoDbThrottlesAlarm", "SlackGaveUpAlarm"}
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for alarm in alarms.values())


def test_access_logs_record_every_request_but_never_a_path_query_or_header(cloudformation: dict[str, Any]) -> None:
    (stage,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    fields = json.loads(settings["Format"])  # one JSON object a line, for CloudWatch Logs Insights
    assert {"requestId", "route", "status"} <= set(fields)
    # GCP sends its webhook secret as ?token=, and Slack's signature is a header.
    logged = " ".join(fields.values())
    assert not any(secret in logged for secret in ("$context.path", "querystring", "$request.header"))
    assert cloudformation["Resources"]["HttpApiAccessLogs"]["Properties"]["RetentionInDays"] == 365


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
            assert "*" not in json.dumps(statement["Resource"]), f"{role} grants {actions} on a wildcard resource"


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


def test_outputs_give_one_webhook_url_per_source() -> None:
    outputs = tpl.load_template()["Outputs"]
    urls = {name: output["Value"]["Fn::Sub"] for name, output in outputs.items() if name.endswith("WebhookUrl")}
    assert sorted(url.rsplit("/", 1)[1] for url in urls.values()) == sorted(SOURCES)


def test_the_webhooks_function_takes_the_sns_topics_and_never_reads_the_due_index(
        cloudformation: dict[str, Any]) -> None:
    env = cloudformation["Resources"]["WebhooksFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SNS_TOPIC_ARNS"] == {"Ref": "SnsTopicArns"}
    assert env["GRAFANA_HMAC_TIMESTAMP_HEADER"] == {"Ref": "GrafanaHmacTimestampHeader"}
    (table,) = [s for s in _statements(cloudformation, "WebhooksFunctionRole") if s.get("Sid") == "TableReadWrite"]
    assert table["Resource"] == [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/history"}]
    assert "dynamodb:BatchWriteItem" not in _actions(table)


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
    return first_cycle(graph)
