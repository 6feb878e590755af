"""Pages and alert ack timers in the table.

    PAGE#<page id>      / PAGE    a page: its policy snapshot, step, state, the direct messages sent;
                                  in the `due` index under `page` at its next step's time while active
    ALERT#<alert id>    / TIMER   an alert whose rule names a policy: due under `ack-timeout` when its
                                  ack timeout runs out (the sweep then pages, unless it was handled)
    MSG#<channel>#<ts>  / PAGE    the page a mention (or an incident) started, so a handled reaction on the
                                  mention (on the incident page's thread) acknowledges it

Every step is claimed with a conditional write on the step number and on its due time, so overlapping
sweeps or retried work notify each level once and never before its wait has run out - even when the
eventually consistent `due` index still lists a page whose step has just moved on. Due times are exact
epoch seconds (klaxon.dynamo.table.epoch).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from klaxon.dynamo.table import ConditionFailed, Item, Table, Write, epoch
from klaxon.paging.policies import EscalationPolicy, Notification, Page, PageState

PAGE, ACK_TIMEOUT = "page", "ack-timeout"


class DynamoPages:
    def __init__(self, table: Table) -> None:
        self._table = table

    def start(self, page: Page) -> bool:
        """Store a new page; False when a page with this id exists (a retry, or a duplicate start)."""
        created = Write("Put", _key(page.id), page_item(page), condition="attribute_not_exists(pk)")
        try:
            reacted_on = _reacted_on(page)
            if reacted_on:  # index the message a handled reaction on acknowledges the page
                channel, ts = reacted_on
                self._table.transact([created, Write("Put", {"pk": f"MSG#{channel}#{ts}", "sk": "PAGE"},
                                                     {"page_id": page.id})])
            else:  # a single conditional put costs half a transaction's write capacity
                self._table.put({**created.key, **(created.item or {})}, condition=created.condition)
        except ConditionFailed:
            return False
        return True

    def get(self, page_id: str) -> Page | None:
        item = self._table.get(f"PAGE#{page_id}", "PAGE", consistent=True)
        return _page(item) if item else None

    def claim_step(self, page: Page, claimed: Page, now: datetime) -> Page | None:
        """Move `page` from its step to `claimed`'s, if nobody else did and the step is due by `now`;
        its messages are now owed (due at once, so a sweep finishes them if this worker dies)."""
        assert claimed.next_at is not None and claimed.sending is not None
        return self._change(page.id, "SET step = :next, next_at = :at, sending = :sending, due_at = :now",
                            condition=f"step = :step AND #state = :active AND {_STEP_DUE}",
                            values={":next": claimed.step, ":at": claimed.next_at.isoformat(),
                                    ":sending": claimed.sending, ":now": epoch(now), ":step": page.step})

    def finish_step(self, page: Page, step: int) -> Page | None:
        """Step `step`'s messages are all out: the page is next due at `page.next_at`."""
        assert page.next_at is not None
        return self._change(page.id, "SET due_at = :due, next_at = :at REMOVE sending", condition="sending = :sending",
                            values={":due": epoch(page.next_at), ":at": page.next_at.isoformat(), ":sending": step})

    def record_notification(self, page_id: str, notification: Notification) -> None:
        self._table.update(f"PAGE#{page_id}", "PAGE", "SET notifications.#n = :n",
                           names={"#n": f"{notification.step}|{notification.user}"},
                           values={":n": {"channel": notification.channel, "ts": notification.ts}})

    def acknowledge(self, page_id: str, user: str, at: datetime) -> Page | None:
        """Stop the page for good; None if it was not active (already acknowledged, spent, or unknown)."""
        return self._change(page_id, "SET #state = :acked, acknowledged_by = :user, acknowledged_at = :at "
                                     "REMOVE due_kind, due_at",
                            condition="#state = :active", values={":acked": str(PageState.ACKNOWLEDGED),
                                                                 ":user": user, ":at": at.isoformat()})

    def exhaust(self, page: Page, now: datetime) -> Page | None:
        """End a page whose every step was notified and whose last wait ran out by `now`; None if it
        moved meanwhile or its last wait is still running."""
        return self._change(page.id, "SET #state = :spent REMOVE due_kind, due_at",
                            condition=f"#state = :active AND step = :step AND {_STEP_DUE}",
                            values={":spent": str(PageState.EXHAUSTED), ":step": page.step, ":now": epoch(now)})

    def due(self, now: datetime, limit: int | None = None) -> list[Page]:
        """Active pages with a step (or their end) due by `now`, read consistently, earliest first."""
        keys = self._table.due(PAGE, until=epoch(now), limit=limit)
        items = [item for item in self._table.get_many(keys) if _due_by(item, now)]
        return [_page(item) for item in sorted(items, key=lambda i: i["due_at"])]

    # ------------------------------------------------------------------ alert ack timers
    def due_timeouts(self, now: datetime, limit: int | None = None) -> list[str]:
        """Alert ids whose ack timeout ran out (the caller takes each with `clear_timeout`)."""
        return [pk.removeprefix("ALERT#") for pk, _ in self._table.due(ACK_TIMEOUT, until=epoch(now), limit=limit)]

    def clear_timeout(self, alert_id: str, now: datetime) -> bool:
        """Take the timer away if it ran out by `now`; False if another sweep already did (then it is
        that sweep's to handle) or it has not run out."""
        try:
            self._table.delete(f"ALERT#{alert_id}", "TIMER", condition="attribute_exists(pk) AND due_at <= :now",
                               values={":now": epoch(now)})
        except ConditionFailed:
            return False
        return True

    def _change(self, page_id: str, expression: str, *, condition: str, values: dict[str, Any]) -> Page | None:
        try:
            item = self._table.update(f"PAGE#{page_id}", "PAGE", expression, condition=condition,
                                      names={"#state": "state"} if "#state" in expression + condition else None,
                                      values={":active": str(PageState.ACTIVE), **values}
                                      if ":active" in condition else values)
        except ConditionFailed:
            return None
        return _page(item)


# A page's due_at is its next step's time (or its end's) whenever no step is being sent: a step is
# taken, or the page ended, only when that time has come.
_STEP_DUE = "attribute_not_exists(sending) AND due_at <= :now"


def ack_timer(alert_id: str, at: datetime) -> Write:
    """The timer written with an alert whose rule (or source) names a policy (in the alert's own transaction)."""
    return Write("Put", {"pk": f"ALERT#{alert_id}", "sk": "TIMER"}, {"due_kind": ACK_TIMEOUT, "due_at": epoch(at)})


def _reacted_on(page: Page) -> tuple[str, str] | None:
    """The message whose handled reaction acknowledges the page: a mention's own message (its id says which:
    mention/<channel>/<ts>), an incident page's thread (Klaxon's post in the comms channel); an alert's page
    is acknowledged through its alert."""
    if page.id.startswith("mention/"):
        _, channel, ts = page.id.split("/", 2)
        return channel, ts
    if page.id.startswith("incident/"):
        return page.channel, page.ts
    return None


def _key(page_id: str) -> Item:
    return {"pk": f"PAGE#{page_id}", "sk": "PAGE"}


def _due_by(item: Item, now: datetime) -> bool:
    """Whether a page read from the table (not from the lagging index) has work due by `now`."""
    return item.get("state") == str(PageState.ACTIVE) and "due_at" in item and item["due_at"] <= epoch(now)


def page_item(page: Page) -> Item:
    """The page as the table stores it (without its key)."""
    return {
        "id": page.id, "summary": page.summary, "channel": page.channel, "ts": page.ts,
        "policy": page.policy.to_record(), "started_at": page.started_at.isoformat(),
        "started_by": page.started_by, "link": page.link, "alert_id": page.alert_id, "step": page.step,
        "next_at": page.next_at.isoformat() if page.next_at else None, "sending": page.sending,
        "state": str(page.state), "notifications": {}, "due_kind": PAGE,
        "due_at": epoch(page.next_at or page.started_at),
    }


def _page(item: Item) -> Page:
    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]) if item.get(name) else None

    notifications = tuple(sorted(
        Notification(int(key.split("|", 1)[0]), key.split("|", 1)[1], value["channel"], value["ts"])
        for key, value in (item.get("notifications") or {}).items()))
    return Page(
        id=item["id"], summary=item["summary"], channel=item["channel"], ts=item["ts"],
        policy=EscalationPolicy.from_record(item["policy"]), started_at=datetime.fromisoformat(item["started_at"]),
        started_by=item.get("started_by"), link=item.get("link"), alert_id=item.get("alert_id"),
        step=int(item["step"]), next_at=moment("next_at"),
        sending=int(item["sending"]) if item.get("sending") is not None else None,
        state=PageState(item["state"]), acknowledged_by=item.get("acknowledged_by"),
        acknowledged_at=moment("acknowledged_at"), notifications=notifications,
    )
