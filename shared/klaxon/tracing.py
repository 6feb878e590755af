"""Segments of a trace around each call Klaxon makes to Slack and to DynamoDB, so a slow request shows where
its time went.

The adapters (klaxon.slack.client, klaxon.dynamo.table) open a segment per call; klaxon.bootstrap gives them
X-Ray's, through Powertools' Tracer, built on first use (never at import: the functions' handlers decorate
with the Tracer, and tests set POWERTOOLS_TRACE_DISABLED). Without one, `NO_TRACE` records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Segment(Protocol):
    """A segment of a trace: an X-Ray subsegment has this method (and is one)."""

    def put_annotation(self, key: str, value: str | int | bool) -> None:
        """Index the segment by `key` (letters, digits and underscores: X-Ray's rule for annotation keys)."""
        ...


class Trace(Protocol):
    def segment(self, name: str) -> AbstractContextManager[Segment]:
        """A segment named `name` (e.g. `slack chat.postMessage`) around the work inside the `with`."""
        ...


class _Unrecorded:
    def put_annotation(self, key: str, value: str | int | bool) -> None:
        return None


class _NoTrace:
    @contextmanager
    def segment(self, name: str) -> Iterator[Segment]:
        yield _Unrecorded()


NO_TRACE: Trace = _NoTrace()
