"""Alerts in the table, with the two indexes that make them cheap to find.

    ALERT#<alert id>        / ALERT   the alert
    MSG#<channel>#<ts>      / MSG     which alert a message belongs to (its original, or its post):
                                      a reaction on any other message costs one empty GetItem
    GROUP#<fingerprint>     / GROUP   the open alert repeats are counted into, until `until`
    ALERT#<alert id>        / POSTING an alert recorded but not yet posted: in the `due` index under
                                      `unposted` until its post is recorded, so the sweep posts what a
                                      dead worker or an unreachable channel left waiting

An alert sits in the sparse `due` index under `unacked` (at its first-seen time) while nobody has
handled it, and under `handled` (at the time it was first handled) afterwards: the sweep's digest,
reconcile and reminders read the oldest unacknowledged alerts, and the verbose digest the recently
handled ones, without scanning anything.

Recording a message is one transaction whose first write creates the message's MSG item, so a
redelivered event can never count twice or raise a second alert.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from klaxon.alerts import Alert, AlertState, HandledMark
from klaxon.dynamo.pages import ack_timer
from klaxon.dynamo.table import ConditionFailed, Item, Table, Write, epoch
from klaxon.ports import Raised, RaiseOutcome

_ATTEMPTS = 8  # racing writers of one group (a burst of repeats) settle within a few rounds
_FIELDS_AS_IS = ("source_channel", "source_ts", "poster", "poster_name", "text", "label", "target_channel",
                 "fingerprint", "rule_id", "policy", "count", "post_ts", "permalink", "resolved_by")
GROUP_KEEP = timedelta(days=1)
UNACKED, HANDLED, UNPOSTED = "unacked", "handled", "unposted"


class DynamoAlerts:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ raising
    def raise_alert(self, alert: Alert, group_until: datetime) -> Raised:
        closed_group: str | None = None  # a group whose alert turned out to be resolved
        for attempt in range(_ATTEMPTS):
            group = self._table.get(_group_pk(alert.fingerprint), "GROUP", consistent=True) or {}
            group_alert = group.get("alert_id")
            open_group = bool(group_alert and group["until"] > alert.first_seen.timestamp()
                              and group_alert not in (alert.id, closed_group))
            try:
                if open_group:
                    return self._count_into(str(group_alert), alert, group_until)
                return self._create(alert, group_until, replacing=group_alert)
            except ConditionFailed as refused:
                if refused.reasons[:1] == ["ConditionalCheckFailed"]:
                    return self._already_recorded(alert)
                if open_group and refused.reasons[1:2] == ["ConditionalCheckFailed"]:
                    closed_group = group_alert
                # Otherwise the group changed under us, or a racing transaction held it
                # (TransactionConflict): back off a little, with jitter, and look again.
                time.sleep(random.uniform(0, 0.01 * 2 ** attempt))
        raise RuntimeError(f"could not record alert {alert.id}: its group kept changing")

    def _create(self, alert: Alert, group_until: datetime, replacing: str | None) -> Raised:
        self._table.transact([
            _message_index(alert.source_channel, alert.source_ts, alert.id, "original"),
            Write("Put", _alert_key(alert.id), alert_item(alert), condition="attribute_not_exists(pk)"),
            Write("Put", {"pk": _group_pk(alert.fingerprint), "sk": "GROUP"}, _group_item(alert.id, group_until),
                  condition="attribute_not_exists(pk) OR #until <= :now OR alert_id = :replacing",
                  names={"#until": "until"},
                  values={":now": int(alert.first_seen.timestamp()), ":replacing": replacing or "-"}),
            *([ack_timer(alert.id, alert.escalate_at)] if alert.escalate_at else []),
            Write("Put", _posting_key(alert.id), {"due_kind": UNPOSTED, "due_at": epoch(alert.first_seen)}),
        ])
        return Raised(alert, RaiseOutcome.NEW)

    def _count_into(self, group_alert_id: str, repeat: Alert, group_until: datetime) -> Raised:
        self._table.transact([
            _message_index(repeat.source_channel, repeat.source_ts, group_alert_id, "repeat"),
            Write("Update", _alert_key(group_alert_id),
                  update="SET #count = #count + :one, last_seen = :seen",
                  condition="attribute_exists(pk) AND attribute_not_exists(resolved_by)",
                  names={"#count": "count"}, values={":one": 1, ":seen": repeat.first_seen.isoformat()}),
            Write("Update", {"pk": _group_pk(repeat.fingerprint), "sk": "GROUP"},
                  update="SET #until = :until, expires_at = :expires", condition="alert_id = :alert",
                  names={"#until": "until"},
                  values={":until": int(group_until.timestamp()), ":alert": group_alert_id,
                          ":expires": int((group_until + GROUP_KEEP).timestamp())}),
        ])
        counted = self.get(group_alert_id)
        assert counted is not None, "the transaction checked it exists"
        return Raised(counted, RaiseOutcome.GROUPED)

    def _already_recorded(self, alert: Alert) -> Raised:
        recorded = self.find_by_message(alert.source_channel, alert.source_ts)
        assert recorded is not None, "the message index names an alert"
        return Raised(recorded, RaiseOutcome.ALREADY_RECORDED)

    # ------------------------------------------------------------------ posting and finding
    def record_post(self, alert: Alert, post_ts: str, permalink: str | None) -> Alert:
        self._table.transact([
            Write("Update", _alert_key(alert.id), update="SET post_ts = :ts, permalink = :link",
                  condition="attribute_not_exists(post_ts)",
                  values={":ts": post_ts, ":link": permalink or ""}),
            _message_index(alert.target_channel, post_ts, alert.id, "post"),
            Write("Delete", _posting_key(alert.id)),
        ])
        return alert.posted(post_ts, permalink)

    def unposted(self, recorded_before: datetime, limit: int | None = None) -> list[Alert]:
        keys = self._table.due(UNPOSTED, until=epoch(recorded_before), limit=limit)
        return [alert for alert in self._alerts([(pk, "ALERT") for pk, _ in keys]) if not alert.is_posted]

    def get(self, alert_id: str) -> Alert | None:
        item = self._table.get(f"ALERT#{alert_id}", "ALERT", consistent=True)
        return _from_item(item) if item else None

    def find_by_message(self, channel: str, ts: str) -> Alert | None:
        index = self._table.get(_message_pk(channel, ts), "MSG")
        return self.get(index["alert_id"]) if index else None

    # ------------------------------------------------------------------ handling
    def add_mark(self, alert_id: str, mark: HandledMark) -> Alert | None:
        return self._change(alert_id, (
            "SET marks.#mark = if_not_exists(marks.#mark, :at), revision = revision + :one, "
            "due_kind = :handled, due_at = if_not_exists(handled_at, :epoch), "
            "handled_at = if_not_exists(handled_at, :epoch)"),
            names={"#mark": _mark_key(mark.user, mark.via)},
            values={":at": mark.at.isoformat(), ":one": 1, ":handled": HANDLED, ":epoch": epoch(mark.at)})

    def remove_mark(self, alert_id: str, user: str, via: str) -> Alert | None:
        alert = self._change(alert_id, "REMOVE marks.#mark SET revision = revision + :one",
                             names={"#mark": _mark_key(user, via)}, values={":one": 1})
        if alert is None or alert.marks or alert.resolved_by:
            return alert
        # The last mark is gone: back in the digest, unless someone marked it again meanwhile.
        reopened = self._change(alert_id, "SET due_kind = :unacked, due_at = :first, revision = revision + :one "
                                          "REMOVE handled_at",
                                condition="size(marks) = :none AND attribute_not_exists(resolved_by)",
                                values={":unacked": UNACKED, ":first": epoch(alert.first_seen), ":one": 1,
                                        ":none": 0})
        return reopened or self.get(alert_id)

    def resolve(self, alert_id: str, user: str, at: datetime) -> Alert | None:
        return self._change(alert_id, (
            "SET resolved_by = if_not_exists(resolved_by, :user), resolved_at = if_not_exists(resolved_at, :at), "
            "revision = revision + :one, due_kind = :handled, due_at = if_not_exists(handled_at, :epoch), "
            "handled_at = if_not_exists(handled_at, :epoch)"),
            values={":user": user, ":at": at.isoformat(), ":one": 1, ":handled": HANDLED, ":epoch": epoch(at)})

    def unacknowledged(self, seen_before: datetime, limit: int | None = None) -> list[Alert]:
        keys = self._table.due(UNACKED, until=epoch(seen_before), limit=limit)
        # The index may lag a fresh acknowledgement: what the alert is now decides.
        return [a for a in self._alerts(keys) if a.state is AlertState.OPEN and a.first_seen <= seen_before]

    def recently_handled(self, since: datetime, limit: int | None = None) -> list[Alert]:
        keys = self._table.due(HANDLED, since=epoch(since), limit=limit)
        return [a for a in self._alerts(keys) if a.handled_at is not None and a.handled_at >= since]

    def _alerts(self, keys: list[tuple[str, str]]) -> list[Alert]:
        found = {item["pk"]: _from_item(item) for item in self._table.get_many(keys)}
        return [found[pk] for pk, _ in keys if pk in found]

    def _change(self, alert_id: str, expression: str, *, condition: str = "attribute_exists(pk)",
                names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Alert | None:
        """Apply an update to an existing alert; None when there is no such alert (or the condition fails)."""
        try:
            item = self._table.update(f"ALERT#{alert_id}", "ALERT", expression, condition=condition,
                                      names=names, values=values)
        except ConditionFailed:
            return None
        return _from_item(item)


def _alert_key(alert_id: str) -> Item:
    return {"pk": f"ALERT#{alert_id}", "sk": "ALERT"}


def _posting_key(alert_id: str) -> Item:
    return {"pk": f"ALERT#{alert_id}", "sk": "POSTING"}


def _message_pk(channel: str, ts: str) -> str:
    return f"MSG#{channel}#{ts}"


def _group_pk(fingerprint: str) -> str:
    return f"GROUP#{fingerprint}"


def _message_index(channel: str, ts: str, alert_id: str, role: str) -> Write:
    return Write("Put", {"pk": _message_pk(channel, ts), "sk": "MSG"}, {"alert_id": alert_id, "role": role},
                 condition="attribute_not_exists(pk)")


def _group_item(alert_id: str, until: datetime) -> Item:
    return {"alert_id": alert_id, "until": int(until.timestamp()),
            "expires_at": int((until + GROUP_KEEP).timestamp())}


def alert_item(alert: Alert) -> Item:
    """The alert as the table stores it (without its key), e.g. for a bulk load."""
    item: dict[str, Any] = {"id": alert.id, **{name: getattr(alert, name) for name in _FIELDS_AS_IS}}
    handled = alert.handled_at
    item.update(
        hotline=list(alert.hotline),
        first_seen=alert.first_seen.isoformat(),
        last_seen=alert.last_seen.isoformat() if alert.last_seen else None,
        escalate_at=alert.escalate_at.isoformat() if alert.escalate_at else None,
        resolved_at=alert.resolved_at.isoformat() if alert.resolved_at else None,
        marks={_mark_key(m.user, m.via): m.at.isoformat() for m in alert.marks},
        revision=alert.revision,
        due_kind=HANDLED if handled else UNACKED,
        due_at=epoch(handled or alert.first_seen),
        handled_at=epoch(handled) if handled else None,
    )
    return item


def _mark_key(user: str, via: str) -> str:
    return f"{user}|{via}"


def _mark(key: str, at: str) -> HandledMark:
    user, via = key.split("|", 1)
    return HandledMark(user, via, datetime.fromisoformat(at))


def _from_item(item: Item) -> Alert:
    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]) if item.get(name) else None

    return Alert(
        id=item["id"], source_channel=item["source_channel"], source_ts=item["source_ts"], poster=item["poster"],
        text=item["text"], label=item["label"], target_channel=item["target_channel"],
        fingerprint=item["fingerprint"], count=int(item["count"]),
        rule_id=item.get("rule_id") or None, policy=item.get("policy") or None, post_ts=item.get("post_ts") or None,
        permalink=item.get("permalink") or None, resolved_by=item.get("resolved_by") or None,
        poster_name=item.get("poster_name", ""),
        hotline=tuple(item.get("hotline", ())),
        first_seen=datetime.fromisoformat(item["first_seen"]),
        last_seen=moment("last_seen"),
        resolved_at=moment("resolved_at"),
        escalate_at=moment("escalate_at"),
        marks=tuple(sorted(_mark(key, at) for key, at in (item.get("marks") or {}).items())),
        revision=int(item.get("revision", 0)),
    )
