"""Integration fixtures: DynamoDB through moto, the table built from template.yaml's own definition."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.moto_server import SerialMotoServer
from infra.template import create_table
from klaxon.dynamo import DynamoStore

TABLE = "klaxon-test"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """moto in-process (mock_aws): fast, for tests that make one request at a time."""
    with mock_aws(config={"lambda": {"use_docker": False}}):
        client = boto3.client("dynamodb")
        create_table(client, TABLE)
        yield client


@pytest.fixture
def dynamo_store(dynamodb: Any) -> DynamoStore:
    return DynamoStore(dynamodb, TABLE)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with SerialMotoServer() as server:
        yield server.url


@pytest.fixture
def racing_store(moto_endpoint: str) -> DynamoStore:
    """A store on moto's server, which applies each request atomically as DynamoDB does: for racing threads.

    (moto in-process is not thread-safe: racing threads there lose updates DynamoDB never would.)
    """
    client = boto3.client("dynamodb", endpoint_url=moto_endpoint)
    table = f"klaxon-race-{uuid.uuid4().hex[:8]}"
    create_table(client, table)
    return DynamoStore(client, table)


def at_once[T, R](work: Callable[[T], R], inputs: Sequence[T]) -> list[R]:
    """`work(input)` for every input in a thread of its own, all released at the same moment (a barrier),
    as racing workers reach DynamoDB; the results in the inputs' order."""
    barrier = threading.Barrier(len(inputs))
    results: dict[int, R] = {}

    def run(n: int, given: T) -> None:
        barrier.wait()
        results[n] = work(given)

    threads = [threading.Thread(target=run, args=(n, given)) for n, given in enumerate(inputs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[n] for n in range(len(inputs))]
