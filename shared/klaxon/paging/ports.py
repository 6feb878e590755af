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
        """Advance `page` to `claimed`'s step if it is still at its own; None if another worker did."""
        ...

    def finish_step(self, page: Page) -> Page | None: ...

    def record_notification(self, page_id: str, notification: Notification) -> None: ...

    def acknowledge(self, page_id: str, user: str, at: datetime) -> Page | None:
        """Stop an active page; None if it is not active."""
        ...

    def exhaust(self, page: Page) -> Page | None: ...

    def due(self, now: datetime, limit: int | None = None) -> list[Page]: ...

    def due_timeouts(self, now: datetime, limit: int | None = None) -> list[str]: ...

    def clear_timeout(self, alert_id: str) -> bool: ...
