"""`make doctor`: the health check of a live Klaxon, from a terminal (SPEC §7; klaxon.doctor).

    make doctor                                 # the stack samconfig.toml names (stack_name, region)
    make doctor STACK=klaxon-staging            # another stack (AWS_REGION / AWS_PROFILE as usual)
    make doctor LOCAL=http://127.0.0.1:3000     # the local stack of `make serve`, and its workspace

It reads the stack as the functions see it - its parameters and the physical ids of its table and secrets
through CloudFormation (or, locally, the local cloud's /_local/aws) - and asks with the stack's own bot token
(from its Slack secret): the token and its scopes against the manifest's, the channels Klaxon is in against
those its configuration needs, the incidents channel, admins and public address, and which webhook sources
have a key in the webhook secret (key names only; no secret is ever printed). The signing secret cannot be
checked from here, and it says so. SLACK_API_URL, when set, points it at another Slack (the emulator).

Exit status: 0 when there is nothing to fix, 1 when there is, 2 when the stack cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
import urllib.request
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from infra import template as tpl
from klaxon.bootstrap import Runtime
from klaxon.doctor.checkup import Checkup, examine
from klaxon.settings import DEFAULT_SLACK_API_URL, SettingsError
from klaxon.slack.renderers.doctor import checkup_text

# Slack's markup, as a terminal shows it.
MARKS = {":white_check_mark:": "✔", ":x:": "✘", ":information_source:": "ℹ"}


class StackUnreadable(Exception):
    """The stack (or the local cloud) cannot be read; the message says why."""


def samconfig_stack() -> tuple[str, str | None]:
    """The stack name and region `sam deploy` uses (samconfig.toml's default environment)."""
    config = tomllib.loads((tpl.REPO_ROOT / "samconfig.toml").read_text()).get("default", {})
    merged = {**config.get("global", {}).get("parameters", {}), **config.get("deploy", {}).get("parameters", {})}
    return str(merged.get("stack_name", "klaxon")), merged.get("region")


def stack_environment(cloudformation: Any, stack: str) -> dict[str, str]:
    """The functions' environment, from a deployed stack: its parameters and its resources' physical ids."""
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    given = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    given |= {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
    given["AWS::StackName"] = stack
    env: dict[str, str] = {}
    # template.yaml's variables as CloudFormation filled them in: a !Ref names a parameter or a resource, a !Sub
    # puts them in a text.
    for function in tpl.functions().values():
        for variable, value in function.environment.items():
            filled = _filled(value, given)
            if filled is not None:
                env[variable] = filled
    return env


def _filled(value: Any, given: Mapping[str, str]) -> str | None:
    """A template value with the stack's parameters and resources in it; None when it names something else."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return given.get(value["Ref"])
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        text = re.sub(r"\$\{([^}!]+)\}", lambda name: given.get(name[1], name[0]), value["Fn::Sub"])
        return None if "${" in text else text
    return None


def local_environment(url: str) -> dict[str, str]:
    """The functions' environment on the local cloud at `url`; its AWS stand-ins become this process's endpoints."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_local/aws", timeout=10) as response:
            found = json.loads(response.read())
    except OSError as error:
        raise StackUnreadable(f"no local cloud at {url} ({error}): start it with `make serve`") from error
    for service, variable in (("dynamodb", "AWS_ENDPOINT_URL_DYNAMODB"),
                              ("secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER"), ("ssm", "AWS_ENDPOINT_URL_SSM")):
        if found.get(service):
            os.environ[variable] = found[service]
    for variable, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "local"),
                            ("AWS_SECRET_ACCESS_KEY", "local")):
        os.environ.setdefault(variable, value)  # loopback stand-ins take any credentials, never real ones
    return dict(found["environment"])


def checkup(env: Mapping[str, str]) -> Checkup:
    """Examine the installation the environment describes, with its own bot token."""
    runtime = Runtime(env={**env, "SLACK_API_URL": os.environ.get("SLACK_API_URL") or env.get("SLACK_API_URL")
                           or DEFAULT_SLACK_API_URL})
    deployment = replace(runtime.deployment(), webhook_keys=runtime.webhook_keys(),
                         sns_topics=runtime.settings.sns_topic_arns, signed=False)
    return examine(deployment, runtime.store.configuration.load(), runtime.installation)


def terminal_text(found: Checkup) -> str:
    """The doctor's report as a terminal shows it: channels by name and id, people by id, plain marks."""
    text = checkup_text(found, channel=lambda channel, name: f"#{name} ({channel})" if name else channel)
    for mark, plain in MARKS.items():
        text = text.replace(mark, plain)
    return re.sub(r"<[@!](?:subteam\^)?([A-Z0-9]+)(?:\|[^>]*)?>", r"@\1", text)


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.doctor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", help="the stack's name (default: samconfig.toml's stack_name)")
    parser.add_argument("--region", help="its region (default: samconfig.toml's, else AWS_REGION)")
    parser.add_argument("--local", metavar="URL", help="the local cloud's address instead of a deployed stack")
    args = parser.parse_args(argv)
    try:
        if args.local:
            env, where = local_environment(args.local), f"the local stack at {args.local}"
        else:
            import boto3

            named, region = samconfig_stack()
            stack = args.stack or named
            client = boto3.client("cloudformation", region_name=args.region or region)
            env, where = stack_environment(client, stack), f"stack {stack} ({client.meta.region_name})"
        print(f"Checking {where}.", file=out)
        found = checkup(env)
    except (StackUnreadable, SettingsError, BotoCoreError, ClientError) as error:
        print(f"doctor: {error}", file=sys.stderr)
        return 2
    print(terminal_text(found), file=out)
    return 1 if found.problems else 0


if __name__ == "__main__":
    sys.exit(main())
