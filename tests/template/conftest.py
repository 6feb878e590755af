"""The template as CloudFormation runs it: transformed offline by aws-sam-translator, once per session."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from infra import template as tpl


class NoManagedPolicies:
    """The template uses inline statements only, so the IAM managed-policy lookup must never be needed."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="session")
def cloudformation() -> dict[str, Any]:
    template = copy.deepcopy(tpl.load_template())
    # As `sam package` leaves it: local code locations replaced by the S3 objects they were uploaded to.
    for name, resource in template["Resources"].items():
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = f"s3://klaxon-artifacts/{name}.zip"
    parameters = {"SlackBotToken": "xoxb-test", "SlackSigningSecret": "0123456789abcdef"}
    return transform(json.loads(json.dumps(template)), parameters, NoManagedPolicies())
