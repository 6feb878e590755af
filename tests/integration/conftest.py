"""Integration fixtures: DynamoDB through moto, the table built from template.yaml's own definition."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra.template import create_table
from klaxon.dynamo import DynamoStore

TABLE = "klaxon-test"


@pytest.fixture
def dynamodb() -> Iterator[object]:
    with mock_aws(config={"lambda": {"use_docker": False}}):
        client = boto3.client("dynamodb")
        create_table(client, TABLE)
        yield client


@pytest.fixture
def dynamo_store(dynamodb: object) -> DynamoStore:
    return DynamoStore(dynamodb, TABLE)
