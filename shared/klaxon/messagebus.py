"""The message bus: hands each domain event to the subscribers of its type, as the one table in
klaxon.bootstrap lists them (after cosmicpython's messagebus, without its swallowed failures).

Failures are never silent. Publishers publish after their own change is stored, so a redelivery of the
work would find that change done and not publish again: a failing subscriber is therefore retried in
place (subscribers are idempotent - stopping a stopped page, or marking a marked alert, changes nothing),
and if it still fails, SubscriberFailed is raised to the publisher's caller once every other subscriber
has run. The caller fails loudly: a lazy listener is retried by Lambda and dead-lettered, a webhook
answers 5xx (the source retries, the function's error alarm fires), a sweep reports the step failed.

Events a subscriber publishes are queued and handled after the current event's subscribers, so a
chain (page acknowledged → alert marked → page already stopped) ends without recursion.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from klaxon.correlation import about
from klaxon.events import Event

logger = logging.getLogger("klaxon.messagebus")

ATTEMPTS = 3  # per subscriber and event
BACKOFF_SECONDS = 0.1  # doubled after each failed attempt


class SubscriberFailed(RuntimeError):
    """A subscriber kept failing; the event's change is stored, what the subscriber does was not done."""


type Subscriber[E: Event] = Callable[[E], None]


class Subscribers:
    """The table of who reacts to what: each event type's subscribers, in the order they run."""

    def __init__(self) -> None:
        self._table: dict[type[Event], list[Subscriber[Any]]] = {}

    def on[E: Event](self, kind: type[E], *subscribers: Subscriber[E]) -> Subscribers:
        """Add subscribers of `kind` (none: the event is known and, for now, nobody reacts to it)."""
        self._table.setdefault(kind, []).extend(subscribers)
        return self

    def of(self, event: Event) -> list[Subscriber[Any]]:
        """The subscribers of the event's type; KeyError for a type the table never mentions (a wiring slip)."""
        return self._table[type(event)]

    @property
    def kinds(self) -> frozenset[type[Event]]:
        return frozenset(self._table)


class MessageBus:
    """Publishes events to their subscribers, for one unit of work (a Slack delivery, a webhook, a sweep)."""

    def __init__(self, subscribers: Subscribers, *, attempts: int = ATTEMPTS,
                 pause: Callable[[float], None] = time.sleep) -> None:
        self._subscribers = subscribers
        self._attempts = attempts
        self._pause = pause
        self._queue: deque[Event] = deque()
        self._draining = False

    def publish(self, event: Event) -> None:
        """Hand `event` (and whatever its subscribers publish) to every subscriber; raise SubscriberFailed
        after all have run if one kept failing."""
        self._queue.append(event)
        if self._draining:
            return  # published by a subscriber: the loop below gets to it
        self._draining = True
        failures: list[Exception] = []
        try:
            while self._queue:
                current = self._queue.popleft()
                for subscriber in self._subscribers.of(current):
                    failure = self._deliver(subscriber, current)
                    if failure is not None:
                        failures.append(failure)
        finally:
            self._draining = False
            self._queue.clear()
        if failures:
            raise SubscriberFailed(f"{len(failures)} subscriber(s) failed: {failures[0]!r}") from failures[0]

    def _deliver(self, subscriber: Subscriber[Any], event: Event) -> Exception | None:
        alert_id, page_id = _concerned(event)
        with about(alert_id=alert_id, page_id=page_id):
            return self._attempt(subscriber, event)

    def _attempt(self, subscriber: Subscriber[Any], event: Event) -> Exception | None:
        for attempt in range(1, self._attempts + 1):
            try:
                subscriber(event)
            except Exception as error:  # noqa: BLE001 - retried, then raised by publish()
                logger.warning("%s failed on %s (attempt %d of %d): %r", _name(subscriber), type(event).__name__,
                               attempt, self._attempts, error)
                if attempt == self._attempts:
                    logger.error("%s gave up on %s", _name(subscriber), event, exc_info=error)
                    return error
                self._pause(BACKOFF_SECONDS * 2 ** (attempt - 1))
            else:
                return None
        return None


def _concerned(event: Event) -> tuple[str | None, str | None]:
    """The ids of the alert and the page an event is about (its `alert`, `page` or `alert_id`: klaxon.events),
    for its subscribers' logs."""
    alert, page = getattr(event, "alert", None), getattr(event, "page", None)
    alert_id = getattr(alert, "id", None) or getattr(page, "alert_id", None) or getattr(event, "alert_id", None)
    return alert_id, getattr(page, "id", None)


def _name(subscriber: Subscriber[Any]) -> str:
    return getattr(subscriber, "__qualname__", repr(subscriber))
