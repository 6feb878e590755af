"""The doctor against the emulated workspace and the local cloud: `/klaxon doctor` through signed requests and the
real handler, and `make doctor`'s code reading the stack as it reads a deployed one (the local cloud's
/_local/aws, or CloudFormation's answers) - scopes missing, channels missing, webhook secrets missing, all good."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra import doctor
from infra.driver import StackDriver
from infra.local import LocalCloud
from infra.local.cloud import STACK_NAME
from infra.stack import WEBHOOK_SECRETS
from klaxon.bootstrap import cold_start
from klaxon.slack.scopes import REQUIRED_SCOPES
from tests.integration.slack_app.conftest import ADMIN


@pytest.fixture
def installed(stack: StackDriver, alice: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A workspace set up as the README says: #incidents (INCIDENTS_CHANNEL) and #alerts with Klaxon in them, a
    first rule from #alerts to #incidents."""
    incidents = stack.workspace.add_channel("incidents")["id"]
    alerts = stack.workspace.add_channel("alerts")["id"]
    monkeypatch.setenv("INCIDENTS_CHANNEL", incidents)
    cold_start()  # the functions' next container reads the deployment's settings again
    answer = stack.klaxon(alice, "#alerts", 'rule add /error|fatal|down/i to #incidents label "[Error]" in #alerts')
    assert answer.startswith(":white_check_mark:"), answer
    tested = stack.klaxon(alice, "#alerts", "rule test ERROR: db-1 unreachable")
    assert f"*So:* it would be reposted to <#{incidents}> [Error]" in tested, tested
    return {"incidents": incidents, "alerts": alerts}


def test_klaxon_doctor_finds_nothing_to_fix_in_a_workspace_set_up_as_the_readme_says(stack, alice, installed):
    answer = stack.klaxon(alice, "#incidents", "doctor")

    assert answer.startswith("*Klaxon doctor* - workspace *Klaxon Demo*: :white_check_mark: nothing to fix."), answer
    assert f":white_check_mark: <#{installed['incidents']}> - INCIDENTS_CHANNEL" in answer
    assert "*Signing secret*  :white_check_mark: right: this request came signed with it." in answer
    assert "*Webhook sources*  :information_source: not checked from Slack" in answer


def test_klaxon_doctor_names_the_scopes_the_token_lacks(stack, alice, installed):
    stack.workspace.grant_scopes(REQUIRED_SCOPES - {"pins:read", "reactions:read"})

    answer = stack.klaxon(alice, "#incidents", "doctor")

    assert ":x: 1 problem to fix." in answer
    assert "*Scopes*  :x: missing `pins:read`, `reactions:read`. Add them in api.slack.com/apps" in answer


def test_klaxon_doctor_names_the_channels_klaxon_must_be_invited_to(stack, alice, installed):
    payments = stack.workspace.add_channel("payments", bot_member=False)["id"]
    stack.klaxon(alice, "#incidents", "rule add /checkout/ to #payments")

    answer = stack.klaxon(alice, "#incidents", "doctor")

    assert f":x: <#{payments}> - Klaxon is not in it (rule `" in answer
    assert f"Fix: `/invite @klaxon` in <#{payments}>." in answer


def test_klaxon_doctor_is_refused_to_someone_who_is_not_an_admin(stack, bob, installed):
    answer = stack.klaxon(bob, "#incidents", "doctor")
    assert answer.startswith(":warning: only Klaxon admins")


# ------------------------------------------------------------------------------------------------ make doctor
@pytest.fixture
def webhook_secret(local_stack: tuple[StackDriver, LocalCloud]) -> Iterator[dict[str, str]]:
    """The local stack's webhook secret, given back as it was after the test."""
    _, cloud = local_stack
    arn = cloud.environment()["WEBHOOK_SECRET_ARN"]
    secrets = boto3.client("secretsmanager")
    kept: dict[str, str] = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    assert kept == WEBHOOK_SECRETS
    yield {"arn": arn}
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(kept))


def run_doctor(*argv: str) -> tuple[int, str]:
    printed = io.StringIO()
    status = doctor.main(list(argv), out=printed)
    return status, printed.getvalue()


def test_make_doctor_on_the_local_stack_checks_the_webhook_secrets_and_says_the_signing_secret_is_unchecked(
        local_stack, installed, webhook_secret):
    _, cloud = local_stack

    status, report = run_doctor("--local", cloud.url)

    assert report.startswith(f"Checking the local stack at {cloud.url}.\n*Klaxon doctor* - workspace *Klaxon Demo*: "
                             "✔ nothing to fix."), report
    assert status == 0
    assert f"✔ #incidents ({installed['incidents']}) - INCIDENTS_CHANNEL" in report
    assert f"✔ admins @{ADMIN}" in report
    assert "✔ generic: open (`generic`)" in report and "✔ grafana: open (`grafana`, `grafana_hmac`)" in report
    assert "ℹ cloudwatch: no SNS topic allowed" in report
    assert "*Signing secret*  ℹ cannot be checked from here" in report
    assert not any(secret in report for secret in WEBHOOK_SECRETS.values()), "key names, never the secrets"


def test_make_doctor_names_the_webhook_keys_missing_for_sources_in_use(stack, alice, local_stack, installed,
                                                                       webhook_secret):
    _, cloud = local_stack
    boto3.client("secretsmanager").put_secret_value(SecretId=webhook_secret["arn"],
                                                    SecretString=json.dumps({"generic": "s3cret"}))
    stack.klaxon(alice, "#incidents", "settings source-channel gcp #alerts")

    status, report = run_doctor("--local", cloud.url)

    assert status == 1 and "✘ 1 problem to fix." in report
    assert ("✘ gcp: no key `gcp` in the webhook secret, so it accepts nothing (401) - and the configuration expects "
            "its alerts. Add the key to the secret of output WebhookSecretArn") in report
    assert "ℹ alertmanager: no key `alertmanager` in the webhook secret" in report
    assert "s3cret" not in report


class StackDescribed:
    """CloudFormation's answers for a deployed Klaxon stack (DescribeStacks, DescribeStackResources), made of the
    local stack's own table and secrets, so the doctor reads a deployed stack's way the resources it can reach."""

    def __init__(self, environment: dict[str, str], parameters: dict[str, str]) -> None:
        self.environment, self.parameters = environment, parameters

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 - boto3's argument name
        return {"Stacks": [{"StackName": StackName, "Parameters": [
            {"ParameterKey": key, "ParameterValue": value} for key, value in self.parameters.items()]}]}

    def describe_stack_resources(self, StackName: str) -> dict[str, Any]:  # noqa: N803
        physical = {"Table": "TABLE_NAME", "SlackSecret": "SLACK_SECRET_ARN", "WebhookSecret": "WEBHOOK_SECRET_ARN",
                    "LinkKeySecret": "LINK_KEY_SECRET_ARN"}
        return {"StackResources": [{"LogicalResourceId": logical, "PhysicalResourceId": self.environment[variable],
                                    "ResourceType": "AWS::Any"} for logical, variable in physical.items()]}


def test_make_doctor_reads_a_deployed_stacks_parameters_and_resources(local_stack, installed, webhook_secret):
    _, cloud = local_stack
    described = StackDescribed(cloud.environment(), {
        "AdminUsers": "", "AdminUserGroup": "", "IncidentsChannel": installed["incidents"], "PublicBaseUrl": "",
        "SnsTopicArns": "arn:aws:sns:us-east-1:123456789012:alarms", "LogLevel": "INFO", "SlackBotToken": "****"})

    env = doctor.stack_environment(described, STACK_NAME)  # the local cloud's names its parameter after its stack
    found = doctor.checkup(env)

    assert env["TABLE_NAME"] == cloud.environment()["TABLE_NAME"] and env["INCIDENTS_CHANNEL"] == installed["incidents"]
    assert env["SLACK_API_URL"] == "https://slack.com/api/", "the template's; SLACK_API_URL points the test at Slack"
    assert env["PUBLIC_BASE_URL_PARAMETER"] == f"/{STACK_NAME}/public-base-url"
    report = doctor.terminal_text(found)
    assert found.problems == 1, report
    assert "✘ no admins: nobody can change rules or settings. Deploy with `--parameter-overrides AdminUsers=" in report
    assert f"✔ links to incident pages point to {cloud.url}, signed" in report, "the stack's SSM parameter and key"
    assert "✔ cloudwatch: open (an allowed SNS topic)" in report
