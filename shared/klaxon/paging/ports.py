"""What paging needs kept: pages, and the ack timers of alerts whose rule names a policy."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from klaxon.paging.policies import Notification, Page


class PageRepository(Protocol):
    def start(self, page: Page) -> bool:
        """Store a new page; False if one with its id exists."""
        ...

    def get(self, page_id: str) -> Page | None: ...

    def claim_step(self, page: Page, claimed: Page, now: datetime) -> Page | None:
        """Advance `page` to `claimed`'s step if it is still at its own and that step is due by `now`;
        None if another worker took it or it is not due yet."""
        ...

    def finish_step(self, page: Page, step: int) -> Page | None:
        """Step `step`'s messages are all out: store `page` (no step sending, next due at its `next_at`);
        None if another worker finished it first."""
        ...

    def record_notification(self, page_id: str, notification: Notification) -> None: ...

    def acknowledge(self, page_id: str, user: str, at: datetime) -> Page | None:
        """Stop an active page; None if it is not active."""
        ...

    def exhaust(self, page: Page, now: datetime) -> Page | None:
        """End a spent page whose last wait ran out by `now`; None if it moved or is not due yet."""
        ...

    def due(self, now: datetime, limit: int | None = None) -> list[Page]:
        """Active pages with work due by `now` (a step, an interrupted step, or their end)."""
        ...

    def due_timeouts(self, now: datetime, limit: int | None = None) -> list[str]: ...

    def clear_timeout(self, alert_id: str, now: datetime) -> bool:
        """Take an alert's ack timer if it ran out by `now`; False if taken already or not due."""
        ...
