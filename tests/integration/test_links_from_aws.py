"""Where links come from in AWS: the link key from the stack's secret and the address from its SSM parameter,
read through Powertools' parameters (moto), or from the environment locally; no key or no address, no links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto import mock_aws

from klaxon.bootstrap import Runtime
from klaxon.settings import SettingsError
from klaxon.web.links import LinkSigner

KEY = "k" * 64
PARAMETER = "/klaxon/public-base-url"


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    """The stack's link key secret and address parameter, as template.yaml makes them."""
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="link-key", SecretString=KEY)["ARN"]
        boto3.client("ssm").put_parameter(Name=PARAMETER, Type="String",
                                          Value="https://abc123.execute-api.us-east-1.amazonaws.com")
        yield {"TABLE_NAME": "t", "LINK_KEY_SECRET_ARN": arn, "PUBLIC_BASE_URL_PARAMETER": PARAMETER}


def test_in_aws_links_are_signed_with_the_secret_and_point_at_the_parameter(aws: dict[str, str]) -> None:
    links = Runtime(env=aws).links
    link = links.list_url()
    assert link is not None and link.startswith("https://abc123.execute-api.us-east-1.amazonaws.com/incidents?t=")
    token = parse_qs(urlsplit(link).query)["t"][0]
    LinkSigner(KEY.encode(), "x").opens_list(token, links.clock.now())


def test_locally_links_come_from_the_environment_and_without_either_there_are_none() -> None:
    local = Runtime(env={"TABLE_NAME": "t", "LINK_SIGNING_KEY": KEY, "PUBLIC_BASE_URL": "http://127.0.0.1:3000/"})
    assert str(local.links.list_url()).startswith("http://127.0.0.1:3000/incidents?t=")
    assert Runtime(env={"TABLE_NAME": "t", "LINK_SIGNING_KEY": KEY}).links.list_url() is None
    assert Runtime(env={"TABLE_NAME": "t", "PUBLIC_BASE_URL": "https://k.example"}).links.list_url() is None


@pytest.mark.parametrize(("env", "problem"), [
    ({"LINK_SIGNING_KEY": "short"}, "shorter than 32 characters"),
    ({"PUBLIC_BASE_URL_PARAMETER": "klaxon/public-base-url"}, "must name an SSM parameter by its path"),
    ({"PUBLIC_BASE_URL": "ftp://k.example"}, "PUBLIC_BASE_URL must be an http"),
])
def test_a_misconfigured_link_setting_is_named(env: dict[str, Any], problem: str) -> None:
    runtime = Runtime(env={"TABLE_NAME": "t", "PUBLIC_BASE_URL": "https://k.example", **env})
    with pytest.raises(SettingsError, match=problem):
        runtime.links.list_url()
