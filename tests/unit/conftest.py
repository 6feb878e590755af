"""Unit-test fixtures: the in-memory fakes of the ports and a clock the test moves by hand."""

from __future__ import annotations

import pytest

from tests.fakes import FakeClock, FakeSlack, InMemoryStore


@pytest.fixture
def clock() -> FakeClock:
    """2026-11-24 09:00 UTC, until the test moves it."""
    return FakeClock()


@pytest.fixture
def slack() -> FakeSlack:
    return FakeSlack()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()
