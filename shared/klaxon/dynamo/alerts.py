"""Alerts in the table, with the indexes that make them cheap to find.

    ALERT#<alert id>              / ALERT   the alert, with its origin (a message, or a monitoring source)
    MSG#<channel>#<ts>            / MSG     which alert a message belongs to (its original, or its post):
                                            a reaction on any other message costs one empty GetItem. An
                                            original's or a repeat's is also a sighting of its alert in the
                                            sparse `history` index (seen#<alert id>, when it was said): the
                                            alert's count is how many there are (klaxon.alerts.storms)
    GROUP#<fingerprint>           / GROUP   the open message alert repeats are counted into, until `until`
    SOURCE#<source>#<key sha256>  / STATE   a monitoring source's key: its current alert, the latest event
                                            applied, a version every write bumps (klaxon.alerts.lifecycle), and
                                            `seen`, its alert's count (a repeat's one write adds one)
    ALERT#<alert id>              / POST    an alert not posted yet: due under `post` when the posting lease
                                            its raiser holds (`posting_until` on the alert) runs out, or when
                                            a failed post is to be tried again: the sweep then posts it, so
                                            nothing a dead worker or an unreachable channel left is lost
    ALERT#<alert id>              / REDRAW  a trailing redraw of a repeated alert's post, due under `redraw`
                                            when the redraw taken (`redraw_after` on the alert) runs out

An alert sits in the sparse `due` index under `unacked#<its channel>` (at its first-seen time) while nobody
has handled it, and under `handled#<its channel>` (at the time it was first handled) afterwards: each
channel's digest reads its oldest unacknowledged alerts (and, verbose, its recently handled ones) and counts
the rest, without scanning anything and whatever other channels hold. A silenced alert is in neither: it
sits under `silenced` (at its first-seen time) for /klaxon report to count, whatever becomes of it.

Every alert to post is recorded with a posting lease for its raiser and that marker, in the transaction that
records it; recording its post ends both. Whoever else posts it (a redelivery, a source's repeat, the sweep)
takes the lease first (`claim_posting`), once it has run out: one post per alert, however many try.

Due times are exact epoch seconds (klaxon.dynamo.table.epoch); reads through the eventually consistent
index are checked again on the alerts read consistently.

Recording a new message alert is one transaction whose first write creates the message's MSG item, so a
redelivered event can never raise a second alert; a repeat is that one MSG item alone, put once, so it can
never count twice. A source's event that changes its alert is applied in one transaction conditioned on its
key's state version, so racing deliveries of one key are applied one after the other; a request carrying
many events writes them in shared transactions (100 items each) after reading their states in batches. A
source's repeat is one conditional update of its key's state, in no transaction: racing repeats all count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from klaxon.alerts.external import ExternalStatus, Severity
from klaxon.alerts.lifecycle import AlertStanding, Change, SourceState, Transition, decide, key_hash
from klaxon.alerts.model import (
    Alert,
    AlertListing,
    AlertState,
    ExternalOrigin,
    HandledMark,
    Origin,
    SlackMessageOrigin,
    source_actor,
)
from klaxon.alerts.ports import Applied, Arrival, Raised, RaiseOutcome
from klaxon.dynamo.pages import ack_timer
from klaxon.dynamo.table import ConditionFailed, Item, Table, Write, back_off, epoch

_ATTEMPTS = 8  # racing writers of one group or key (a burst of repeats) settle within a few rounds
_FIELDS_AS_IS = ("text", "label", "target_channel", "fingerprint", "rule_id", "policy", "count", "post_ts",
                 "resolved_by", "silenced_by")
GROUP_KEEP = timedelta(days=1)
STATE_KEEP = timedelta(days=90)  # a key silent this long is forgotten: its next firing is a new alert
POSTING_LEASE = timedelta(minutes=2)  # longer than posting takes: a later delivery posts it only after
TRANSACTION_ITEMS = 100  # DynamoDB's limit of actions in one TransactWriteItems
UNACKED, HANDLED, POST, SILENCED, REDRAW = "unacked", "handled", "post", "silenced", "redraw"
MESSAGE, EXTERNAL = "message", "external"


class DynamoAlerts:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ raising from messages
    def raise_alert(self, alert: Alert, group_until: datetime, now: datetime) -> Raised:
        message = _message_of(alert)
        closed_group: str | None = None  # a group whose alert turned out to be resolved, or its window over
        for attempt in range(_ATTEMPTS):
            group = self._table.get(_group_pk(alert.fingerprint), "GROUP", consistent=True) or {}
            group_alert = group.get("alert_id")
            if group_alert and group_alert not in (alert.id, closed_group):
                counted = self._count_into(str(group_alert), group, alert, message, group_until - alert.first_seen)
                if counted is not None:
                    return counted
                closed_group = group_alert
            try:
                return self._create(alert, message, group_until, replacing=group_alert,
                                    lease=epoch(now + POSTING_LEASE))
            except ConditionFailed as refused:
                if refused.reasons[:1] == ["ConditionalCheckFailed"]:
                    return self._already_recorded(message)
                # Otherwise the group changed under us, or a racing transaction held it
                # (TransactionConflict): back off a little, with jitter, and look again.
                back_off(attempt)
        raise RuntimeError(f"could not record alert {alert.id}: its group kept changing")

    def _create(self, alert: Alert, message: SlackMessageOrigin, group_until: datetime,
                replacing: str | None, lease: Decimal) -> Raised:
        self._table.transact([
            _message_index(message.channel, message.ts, alert.id, "original", seen_at=alert.first_seen),
            *_new_alert(alert, posting_until=lease),
            Write("Put", {"pk": _group_pk(alert.fingerprint), "sk": "GROUP"}, _group_item(alert.id, group_until),
                  condition="attribute_not_exists(pk) OR #until <= :now OR alert_id = :replacing",
                  names={"#until": "until"},
                  values={":now": int(alert.first_seen.timestamp()), ":replacing": replacing or "-"}),
        ])
        return Raised(alert, RaiseOutcome.NEW)

    def _count_into(self, group_alert_id: str, group: Item, repeat: Alert, message: SlackMessageOrigin,
                    window: timedelta) -> Raised | None:
        """Count a repeat into its group's alert with one write and no transaction: the message's index item,
        put once (a redelivery finds it), is also the sighting the alert's count is counted from (the `history`
        index, klaxon.alerts.storms); None if the group's alert is resolved or its window closed.

        The window slides with every repeat: it is open while the latest sighting is younger than `window`.
        The resolve is read just before the write, so a repeat racing a person's Resolve by milliseconds is
        counted into the resolved alert (a transaction on the hot alert item is what this avoids).
        """
        standing = self.get(group_alert_id)
        if standing is None or standing.resolved_by or not self._group_open(group, standing, repeat.first_seen,
                                                                            window):
            return None
        try:
            self._table.put({"pk": _message_pk(message.channel, message.ts), "sk": "MSG", "alert_id": group_alert_id,
                             "role": "repeat", **_sighting(group_alert_id, repeat.first_seen)},
                            condition="attribute_not_exists(pk)")
        except ConditionFailed:
            return self._already_recorded(message)
        return Raised(standing, RaiseOutcome.GROUPED)

    def _group_open(self, group: Item, standing: Alert, said_at: datetime, window: timedelta) -> bool:
        if group["until"] > said_at.timestamp():
            return True  # within the window it was opened with: no need to look for the latest sighting
        latest = self._table.history(_seen_kind(standing.id), since=Decimal(0), limit=1)
        seen = datetime.fromtimestamp(float(latest[0]["history_at"]), UTC) if latest else standing.seen_last
        return max(seen, standing.seen_last) + window > said_at

    def _already_recorded(self, message: SlackMessageOrigin) -> Raised:
        recorded = self.find_by_message(message.channel, message.ts)
        assert recorded is not None, "the message index names an alert"
        return Raised(recorded, RaiseOutcome.ALREADY_RECORDED)

    # ------------------------------------------------------------------ monitoring sources
    def apply_external(self, arrivals: Sequence[Arrival], window: timedelta, now: datetime) -> list[Applied]:
        applied: dict[int, Applied] = {}
        for batch in _rounds(arrivals):
            applied.update(self._apply_round(batch, window, now))
        return [applied[n] for n in range(len(arrivals))]

    def claim_posting(self, alert_id: str, now: datetime) -> bool:
        return self._change(alert_id, "SET posting_until = :until",
                            condition="attribute_exists(pk) AND attribute_not_exists(post_ts) AND "
                                      "(attribute_not_exists(posting_until) OR posting_until <= :now)",
                            values={":until": epoch(now + POSTING_LEASE), ":now": epoch(now)}) is not None

    def release_posting(self, alert_id: str, retry_at: datetime) -> None:
        # The lease first: once it is gone anyone may post; the marker then says when the sweep looks again.
        if self._change(alert_id, "REMOVE posting_until", condition="attribute_not_exists(post_ts)") is None:
            return  # posted meanwhile (or gone): nothing is owed
        try:
            self._table.update(f"ALERT#{alert_id}", "POST", "SET due_at = :retry", condition="attribute_exists(pk)",
                               values={":retry": epoch(retry_at)})
        except ConditionFailed:
            self._table.put({"pk": f"ALERT#{alert_id}", "sk": "POST", "due_kind": POST, "due_at": epoch(retry_at)})

    def _apply_round(self, batch: list[tuple[int, Arrival]], window: timedelta,
                     now: datetime) -> dict[int, Applied]:
        """Arrivals of distinct keys: states read in batches, transitions written in shared transactions."""
        states = self._states([arrival for _, arrival in batch])
        standing = self._standing(states.values())
        planned: list[_Plan] = []
        done: dict[int, Applied] = {}
        for n, arrival in batch:
            state = states.get(_state_pk(arrival.event.source, arrival.event.dedup_key))
            alert = standing.get(state.alert_id) if state and state.alert_id else None
            transition = decide(state, _standing_of(alert), arrival.event, arrival.at, window, arrival.silenced)
            if transition.change is Change.REPEAT:  # one write of its own, outside any transaction
                done[n] = self._repeat(arrival, transition, alert, window, now)
            else:
                planned.append((n, arrival, transition, _counted(alert, state)))
        for chunk in _chunks(planned, now):
            try:
                self._table.transact([write for _, arrival, transition, alert in chunk
                                      for write in _writes(arrival, transition, alert, now)])
            except ConditionFailed:
                # A racing delivery changed one of these keys: apply each of them on its own, deciding again.
                done.update({n: self._apply_one(arrival, window, now) for n, arrival, _, _ in chunk})
                continue
            done.update(self._results(chunk))
        return done

    def _apply_one(self, arrival: Arrival, window: timedelta, now: datetime) -> Applied:
        for attempt in range(_ATTEMPTS):
            state = next(iter(self._states([arrival]).values()), None)
            alert = self.get(state.alert_id) if state and state.alert_id else None
            transition = decide(state, _standing_of(alert), arrival.event, arrival.at, window, arrival.silenced)
            if transition.change is Change.REPEAT:
                counted = self._count_repeat(arrival, transition, alert, now)
                if counted is not None:
                    return counted
                back_off(attempt)
                continue
            alert = _counted(alert, state)
            try:
                self._table.transact(_writes(arrival, transition, alert, now))
            except ConditionFailed:
                back_off(attempt)
                continue
            return next(iter(self._results([(0, arrival, transition, alert)]).values()))
        raise RuntimeError(f"could not apply {arrival.event.source} event {arrival.event.dedup_key!r}: "
                           "its key kept changing")

    def _repeat(self, arrival: Arrival, transition: Transition, alert: Alert | None, window: timedelta,
                now: datetime) -> Applied:
        counted = self._count_repeat(arrival, transition, alert, now)
        return counted if counted is not None else self._apply_one(arrival, window, now)

    def _count_repeat(self, arrival: Arrival, transition: Transition, alert: Alert | None,
                      now: datetime) -> Applied | None:
        """A firing of the key's open alert, counted with one write on the key's state and no transaction: its
        `seen` is the alert's count (drawn by klaxon.alerts.storms), and its latest event's time moves on only
        forwards. Racing repeats all count; None when the state moved on meanwhile (resolved, a new alert, a
        newer event of another kind), to be decided again."""
        state = transition.state
        assert alert is not None and state.alert_id == alert.id
        try:
            self._table.update(
                _state_pk(state.source, state.dedup_key), "STATE",
                "SET seen = if_not_exists(seen, :count) + :one, version = version + :one, "
                "occurred_at = :at, occurred_epoch = :epoch, expires_at = :expires",
                condition="alert_id = :alert AND #status = :firing AND "
                          "(attribute_not_exists(occurred_epoch) OR occurred_epoch <= :epoch)",
                names={"#status": "status"},
                values={":count": alert.count, ":one": 1, ":at": arrival.at.isoformat(), ":epoch": epoch(arrival.at),
                        ":expires": int((max(now, arrival.at) + STATE_KEEP).timestamp()), ":alert": alert.id,
                        ":firing": str(ExternalStatus.FIRING)})
        except ConditionFailed:
            return None
        return Applied(arrival, Change.REPEAT, alert)

    def _results(self, chunk: Sequence[_Plan]) -> dict[int, Applied]:
        """Each arrival's key's alert as it is now: a new one as drafted, a changed one read back."""
        changed = [t.alert_id for _, _, t, _ in chunk if t.change in _CHANGES_ALERT and t.alert_id]
        now = {alert.id: alert for alert in self._alerts([(f"ALERT#{i}", "ALERT") for i in changed])}
        results: dict[int, Applied] = {}
        for n, arrival, transition, before in chunk:
            if transition.change is Change.NEW:
                alert: Alert | None = _drafted(arrival, transition)
            elif transition.alert_id in now:
                alert = now[transition.alert_id]
            else:
                alert = before
            results[n] = Applied(arrival, transition.change, alert)
        return results

    def _states(self, arrivals: Sequence[Arrival]) -> dict[str, SourceState]:
        keys = [(_state_pk(a.event.source, a.event.dedup_key), "STATE") for a in arrivals]
        return {item["pk"]: _state(item) for item in self._table.get_many(keys)} if keys else {}

    def _standing(self, states: Iterable[SourceState]) -> dict[str, Alert]:
        keys = [(f"ALERT#{state.alert_id}", "ALERT") for state in states if state.alert_id]
        return {alert.id: alert for alert in self._alerts(keys)}

    # ------------------------------------------------------------------ posting and finding
    def record_post(self, alert: Alert, post_ts: str) -> Alert:
        # Three single writes, not a transaction: the post exists in Slack already, so all-or-nothing buys no
        # exactly-once here, and a transaction costs twice the capacity. Their order leaves any crash
        # recoverable: the post's index first (a reaction on the post finds its alert), then the alert (a
        # second record of a post is refused), then the marker of a post owed (a stale one is cleared).
        self._table.put({"pk": _message_pk(alert.target_channel, post_ts), "sk": "MSG", "alert_id": alert.id,
                         "role": "post"})
        self._table.update(f"ALERT#{alert.id}", "ALERT", "SET post_ts = :ts, permalink = :link REMOVE posting_until",
                           condition="attribute_not_exists(post_ts)",
                           values={":ts": post_ts, ":link": (alert.message.permalink if alert.message else None) or ""})
        self._table.delete(f"ALERT#{alert.id}", "POST")
        return alert.posted(post_ts)

    def unposted(self, now: datetime, limit: int | None = None) -> list[Alert]:
        keys = self._table.due(POST, until=epoch(now), limit=limit)
        alerts = self._alerts([(pk, "ALERT") for pk, _ in keys])
        for alert in alerts:
            if alert.is_posted:  # its recorder died just before clearing the marker (rare: one delete each)
                self._table.delete(f"ALERT#{alert.id}", "POST")
        return [alert for alert in alerts if not alert.is_posted]

    # ------------------------------------------------------------------ redrawing repeats (klaxon.alerts.storms)
    def claim_redraw(self, alert_id: str, now: datetime, until: datetime, changed_only: bool = False) -> Alert | None:
        alert = self.get(alert_id)
        if alert is None or (alert.redraw_after is not None and alert.redraw_after > now):
            return None
        count, last_seen = self._tally(alert)
        if changed_only and count <= alert.count:
            return None
        seen = max(last_seen, alert.seen_last)  # a repeat said before the alert itself leaves last_seen unset
        moved = (", last_seen = :seen" if seen > alert.first_seen else "") + \
            (", occurred_at = :seen" if alert.message is None else "")
        try:
            item = self._table.update(
                f"ALERT#{alert_id}", "ALERT", f"SET #count = :count, redraw_after = :until, revision = revision + :one"
                f"{moved}", condition="attribute_not_exists(redraw_after) OR redraw_after <= :now",
                names={"#count": "count"},
                values={":count": max(count, alert.count), ":until": epoch(until), ":now": epoch(now), ":one": 1,
                        **({":seen": seen.isoformat()} if moved else {})})
        except ConditionFailed:
            return None  # another worker took it a moment ago
        self.trail_redraw(alert_id, until)
        return _from_item(item)

    def _tally(self, alert: Alert) -> tuple[int, datetime]:
        """How many times the alert was seen, and when last: a message alert's sightings counted by the history
        index (eventually consistent: the trailing redraw counts again); a source's alert from its key's state."""
        if alert.message is not None:
            kind = _seen_kind(alert.id)
            latest = self._table.history(kind, since=Decimal(0), limit=1)
            seen = datetime.fromtimestamp(float(latest[0]["history_at"]), UTC) if latest else alert.seen_last
            return self._table.count_history(kind), seen
        assert isinstance(alert.origin, ExternalOrigin)
        item = self._table.get(_state_pk(alert.origin.source, alert.origin.dedup_key), "STATE", consistent=True)
        state = _state(item) if item else None
        if state is None or state.alert_id != alert.id or not state.seen:
            return alert.count, alert.seen_last  # the key moved on: what its resolve stored is final
        return state.seen, state.occurred_at if state.status is ExternalStatus.FIRING else alert.seen_last

    def trail_redraw(self, alert_id: str, at: datetime) -> None:
        self._table.put({"pk": f"ALERT#{alert_id}", "sk": "REDRAW", "due_kind": REDRAW, "due_at": epoch(at)})

    def trailing_redraws(self, now: datetime, limit: int | None = None) -> list[str]:
        return [pk.removeprefix("ALERT#") for pk, _ in self._table.due(REDRAW, until=epoch(now), limit=limit)]

    def drop_redraw(self, alert_id: str, due_by: datetime) -> None:
        try:
            self._table.delete(f"ALERT#{alert_id}", "REDRAW", condition="due_at <= :due",
                               values={":due": epoch(due_by)})
        except ConditionFailed:
            pass  # not settled yet, or a redraw since left a later one

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
            "due_kind = if_not_exists(listed_handled, :handled), due_at = if_not_exists(handled_at, :epoch), "
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
                                values={":unacked": listed(UNACKED, alert), ":first": epoch(alert.first_seen),
                                        ":one": 1, ":none": 0})
        return reopened or self.get(alert_id)

    def resolve(self, alert_id: str, user: str, at: datetime) -> Alert | None:
        return self._change(alert_id, _RESOLVE, values=_resolve_values(user, at))

    # The index may lag a fresh change: what each alert is now (read consistently) decides what is listed; the
    # total is the index's own count (a Query with Select=COUNT: the index's small entries, no alert item), so it
    # is exact at any size. A list shorter than `limit` is counted by its length.
    def unacknowledged(self, channel: str, seen_before: datetime, limit: int | None = None) -> AlertListing:
        kind, until = f"{UNACKED}#{channel}", epoch(seen_before)
        keys = self._table.due(kind, until=until, limit=limit)
        shown = [a for a in self._alerts(keys) if a.state is AlertState.OPEN and a.first_seen <= seen_before]
        total = self._table.count_due(kind, until=until) if len(keys) == limit else len(shown)
        return AlertListing(tuple(shown), total)

    def recently_handled(self, channel: str, since: datetime, limit: int | None = None) -> AlertListing:
        kind, bound = f"{HANDLED}#{channel}", epoch(since)
        keys = self._table.due(kind, since=bound, limit=limit)
        shown = [a for a in self._alerts(keys) if a.handled_at is not None and a.handled_at >= since]
        total = self._table.count_due(kind, since=bound) if len(keys) == limit else len(shown)
        return AlertListing(tuple(shown), total)

    def relist(self, limit: int) -> list[Alert]:
        keys = self._table.due(UNACKED, until=epoch(datetime.max.replace(tzinfo=UTC)), limit=limit) + \
            self._table.due(HANDLED, since=Decimal(0), limit=limit)
        alerts = self._alerts([(pk, "ALERT") for pk, _ in keys[:limit]])
        for alert in alerts:  # still under the bare kind (the condition): a change since moved it already
            self._change(alert.id, "SET due_kind = :listed, listed_handled = :handled",
                         condition="due_kind IN (:unacked, :handled_before)",
                         values={":listed": listed(UNACKED if alert.state is AlertState.OPEN else HANDLED, alert),
                                 ":handled": listed(HANDLED, alert), ":unacked": UNACKED, ":handled_before": HANDLED})
        return alerts

    def silenced(self, since: datetime, limit: int | None = None) -> list[Alert]:
        keys = self._table.due(SILENCED, since=epoch(since), limit=limit)
        return [a for a in self._alerts(keys) if a.silenced_by and a.first_seen >= since]

    def _alerts(self, keys: list[tuple[str, str]]) -> list[Alert]:
        found = {item["pk"]: _from_item(item) for item in self._table.get_many(keys)} if keys else {}
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


# ---------------------------------------------------------------------- a source event's writes
_CHANGES_ALERT = (Change.REOPEN, Change.RESOLVE)
type _Plan = tuple[int, Arrival, Transition, Alert | None]  # an arrival's place, itself, its transition, its alert
_RESOLVE_SILENCED = ("SET resolved_by = if_not_exists(resolved_by, :user), "
                     "resolved_at = if_not_exists(resolved_at, :at), revision = revision + :one")
_RESOLVE = (_RESOLVE_SILENCED + ", due_kind = if_not_exists(listed_handled, :handled), "
            "due_at = if_not_exists(handled_at, :epoch), "
            "handled_at = if_not_exists(handled_at, :epoch)")


def _resolve_values(by: str, at: datetime, silenced_by: str | None = None) -> dict[str, Any]:
    values = {":user": by, ":at": at.isoformat(), ":one": 1}
    return values if silenced_by else {**values, ":handled": HANDLED, ":epoch": epoch(at)}


def _writes(arrival: Arrival, transition: Transition, alert: Alert | None, now: datetime) -> list[Write]:
    """The writes that store one transition, heard `now`: the key's state (guarded by its version) and its
    alert (a new one leased for posting for POSTING_LEASE)."""
    change, state = transition.change, transition.state
    assert change is not Change.REPEAT, "a repeat is one write of its own (DynamoAlerts._count_repeat)"
    if change is Change.STALE:
        return []
    lease = epoch(now + POSTING_LEASE)
    # The state counts its alert's firings (a state stored before it counted starts from its alert's count).
    counted = 1 if change is Change.NEW else (state.seen or (alert.count if alert else 0)) + (change is Change.REOPEN)
    writes = [_state_write(replace(state, seen=counted), now)]
    seen = {":seen": arrival.at.isoformat(), ":one": 1, ":count": counted}
    if change is Change.NEW:
        writes += _new_alert(_drafted(arrival, transition), posting_until=lease)
        if alert is not None and alert.resolved_at is None:  # a silent alert the key leaves: its count is final
            writes.append(Write("Update", _alert_key(alert.id), update="SET #count = :count",
                                names={"#count": "count"}, values={":count": alert.count}))
    elif change is Change.REOPEN:
        assert alert is not None and alert.resolved_at is not None
        writes.append(_reopen(alert, seen))
    elif change is Change.RESOLVE:
        assert alert is not None
        # A silenced alert stays under `silenced` in the due index: it was never listed, so never handled.
        resolve = _RESOLVE_SILENCED if alert.silenced_by else _RESOLVE
        writes.append(Write("Update", _alert_key(str(state.alert_id)),
                            update=resolve + ", occurred_at = :at, #count = :count", names={"#count": "count"},
                            condition="attribute_exists(pk) AND attribute_not_exists(resolved_by)",
                            values={**_resolve_values(source_actor(state.source), arrival.at, alert.silenced_by),
                                    ":count": counted}))
    return writes


def _reopen(alert: Alert, values: dict[str, Any]) -> Write:
    """Open again, counted; back among the unacknowledged unless someone's mark still stands."""
    assert alert.resolved_at is not None
    more: dict[str, Any]
    if alert.silenced_by:  # it stays under `silenced`: reopened by a firing the same silence covers
        due, remove, more = "", "", {}
    elif alert.marks:
        due, remove, more = "due_kind = :handled, due_at = handled_at", "", {":handled": listed(HANDLED, alert)}
    else:
        due, remove, more = "due_kind = :unacked, due_at = :first", ", handled_at", {
            ":unacked": listed(UNACKED, alert), ":first": epoch(alert.first_seen)}
    return Write("Update", _alert_key(alert.id),
                 update=f"SET #count = :count, last_seen = :seen, occurred_at = :seen, "
                        f"revision = revision + :one{', ' + due if due else ''} "
                        f"REMOVE resolved_by, resolved_at{remove}",
                 condition="resolved_at = :resolved AND size(marks) = :marks", names={"#count": "count"},
                 values={**values, **more, ":resolved": alert.resolved_at.isoformat(), ":marks": len(alert.marks)})


def _state_write(state: SourceState, heard: datetime) -> Write:
    # Forgotten STATE_KEEP after Klaxon last heard of the key, not after the source's own time: Alertmanager
    # resends an alert firing for months with its first startsAt, and that must stay one alert.
    version = state.version
    return Write("Put", {"pk": _state_pk(state.source, state.dedup_key), "sk": "STATE"}, {
        "source": state.source, "dedup_key": state.dedup_key, "status": str(state.status),
        "occurred_at": state.occurred_at.isoformat(), "alert_id": state.alert_id, "occurrence": state.occurrence,
        "occurred_epoch": epoch(state.occurred_at), "seen": state.seen, "version": version + 1,
        "expires_at": int((max(heard, state.occurred_at) + STATE_KEEP).timestamp())},
        condition="attribute_not_exists(pk)" if version == 0 else "version = :version",
        values=None if version == 0 else {":version": version})


def _counted(alert: Alert | None, state: SourceState | None) -> Alert | None:
    """The key's alert with the count its state keeps (repeats write the state alone)."""
    if alert is None or state is None or state.alert_id != alert.id:
        return alert
    return replace(alert, count=max(alert.count, state.seen))


def _drafted(arrival: Arrival, transition: Transition) -> Alert:
    assert transition.alert_id is not None
    return arrival.alert(transition.alert_id)


def _standing_of(alert: Alert | None) -> AlertStanding | None:
    return AlertStanding(alert.resolved_at, silenced=alert.silenced_by is not None) if alert else None


def _rounds(arrivals: Sequence[Arrival]) -> list[list[tuple[int, Arrival]]]:
    """Arrivals in rounds where each key appears once, keeping each key's events in order."""
    rounds: list[list[tuple[int, Arrival]]] = []
    seen: dict[tuple[str, str], int] = {}
    for n, arrival in enumerate(arrivals):
        key = (arrival.event.source, arrival.event.dedup_key)
        place = seen.get(key, 0)
        seen[key] = place + 1
        if place == len(rounds):
            rounds.append([])
        rounds[place].append((n, arrival))
    return rounds


def _chunks(planned: list[_Plan], now: datetime) -> list[list[_Plan]]:
    """Planned transitions in groups whose writes fit one transaction (one arrival's writes stay together)."""
    chunks: list[list[_Plan]] = [[]]
    size = 0
    for plan in planned:
        count = len(_writes(plan[1], plan[2], plan[3], now))
        if size + count > TRANSACTION_ITEMS:
            chunks.append([])
            size = 0
        chunks[-1].append(plan)
        size += count
    return chunks


# ---------------------------------------------------------------------- items
def _alert_key(alert_id: str) -> Item:
    return {"pk": f"ALERT#{alert_id}", "sk": "ALERT"}


def _message_pk(channel: str, ts: str) -> str:
    return f"MSG#{channel}#{ts}"


def _group_pk(fingerprint: str) -> str:
    return f"GROUP#{fingerprint}"


def _state_pk(source: str, dedup_key: str) -> str:
    return f"SOURCE#{source}#{key_hash(dedup_key)}"


def _message_index(channel: str, ts: str, alert_id: str, role: str, seen_at: datetime) -> Write:
    return Write("Put", {"pk": _message_pk(channel, ts), "sk": "MSG"},
                 {"alert_id": alert_id, "role": role, **_sighting(alert_id, seen_at)},
                 condition="attribute_not_exists(pk)")


def _seen_kind(alert_id: str) -> str:
    return f"seen#{alert_id}"


def _sighting(alert_id: str, seen_at: datetime) -> Item:
    """What makes a message's index item one sighting of its alert in the sparse `history` index (by when it
    was said): the alert's count is how many there are, and its last seen the newest."""
    return {"history_kind": _seen_kind(alert_id), "history_at": epoch(seen_at)}


def _new_alert(alert: Alert, posting_until: Decimal) -> list[Write]:
    """The alert's conditional put, its ack timer when its rule names a policy, and (an alert to post) its
    raiser's posting lease until `posting_until` and the marker the sweep finds it by if it is still unposted
    then - one transaction."""
    writes = [ack_timer(alert.id, alert.escalate_at)] if alert.escalate_at else []
    item = alert_item(alert)
    if not alert.silenced_by:
        item["posting_until"] = posting_until
        writes.append(Write("Put", {"pk": f"ALERT#{alert.id}", "sk": "POST"},
                            {"due_kind": POST, "due_at": posting_until}))
    return [Write("Put", _alert_key(alert.id), item, condition="attribute_not_exists(pk)"), *writes]


def _group_item(alert_id: str, until: datetime) -> Item:
    return {"alert_id": alert_id, "until": int(until.timestamp()),
            "expires_at": int((until + GROUP_KEEP).timestamp())}


def _message_of(alert: Alert) -> SlackMessageOrigin:
    message = alert.message
    if message is None:
        raise ValueError(f"alert {alert.id} comes from a monitoring source, not a message: apply its events")
    return message


def alert_item(alert: Alert) -> Item:
    """The alert as the table stores it (without its key), e.g. for a bulk load."""
    item: dict[str, Any] = {"id": alert.id, **{name: getattr(alert, name) for name in _FIELDS_AS_IS}}
    handled = alert.handled_at
    item.update(
        _origin_fields(alert.origin),
        hotline=list(alert.hotline),
        first_seen=alert.first_seen.isoformat(),
        last_seen=alert.last_seen.isoformat() if alert.last_seen else None,
        escalate_at=alert.escalate_at.isoformat() if alert.escalate_at else None,
        resolved_at=alert.resolved_at.isoformat() if alert.resolved_at else None,
        marks={_mark_key(m.user, m.via): m.at.isoformat() for m in alert.marks},
        revision=alert.revision,
    )
    if alert.silenced_by:  # in no digest: only /klaxon report's count of what silences held back
        item.update(due_kind=SILENCED, due_at=epoch(alert.first_seen))
    else:
        item.update(due_kind=listed(HANDLED if handled else UNACKED, alert), due_at=epoch(handled or alert.first_seen),
                    listed_handled=listed(HANDLED, alert),
                    handled_at=epoch(handled) if handled else None)
    return item


def listed(kind: str, alert: Alert) -> str:
    """The alert's partition of the `due` index while it is listed (`unacked#C0INC`, `handled#C0INC`): one per
    incidents channel and list, so each channel's digest reads and counts its own alerts whatever the others
    hold. Items stored before lists were per channel sit under the bare kind (`unacked`) until they change."""
    return f"{kind}#{alert.target_channel}"


def _origin_fields(origin: Origin) -> Item:
    if isinstance(origin, SlackMessageOrigin):
        return {"origin": MESSAGE, "source_channel": origin.channel, "source_ts": origin.ts, "poster": origin.poster,
                "poster_name": origin.poster_name, "bot_id": origin.bot_id, "permalink": origin.permalink}
    return {"origin": EXTERNAL, "source": origin.source, "dedup_key": origin.dedup_key, "link": origin.link,
            "host": origin.host, "service": origin.service,
            "severity": str(origin.severity) if origin.severity else None, "labels": dict(origin.labels),
            "occurred_at": origin.occurred_at.isoformat() if origin.occurred_at else None}


def _mark_key(user: str, via: str) -> str:
    return f"{user}|{via}"


def _mark(key: str, at: str) -> HandledMark:
    user, via = key.split("|", 1)
    return HandledMark(user, via, datetime.fromisoformat(at))


def _moment(item: Item, name: str) -> datetime | None:
    return datetime.fromisoformat(item[name]) if item.get(name) else None


def _origin(item: Item) -> Origin:
    if item.get("origin", MESSAGE) == MESSAGE:  # items stored before monitoring sources have no `origin`
        return SlackMessageOrigin(channel=item["source_channel"], ts=item["source_ts"], poster=item["poster"],
                                  poster_name=item.get("poster_name", ""), bot_id=item.get("bot_id") or None,
                                  permalink=item.get("permalink") or None)
    return ExternalOrigin(source=item["source"], dedup_key=item["dedup_key"], link=item.get("link") or None,
                          host=item.get("host") or None, service=item.get("service") or None,
                          severity=Severity(item["severity"]) if item.get("severity") else None,
                          labels=dict(item.get("labels") or {}), occurred_at=_moment(item, "occurred_at"))


def _from_item(item: Item) -> Alert:
    return Alert(
        id=item["id"], origin=_origin(item), text=item["text"], label=item["label"],
        target_channel=item["target_channel"], fingerprint=item["fingerprint"], count=int(item["count"]),
        rule_id=item.get("rule_id") or None, policy=item.get("policy") or None, post_ts=item.get("post_ts") or None,
        resolved_by=item.get("resolved_by") or None, silenced_by=item.get("silenced_by") or None,
        hotline=tuple(item.get("hotline", ())),
        first_seen=datetime.fromisoformat(item["first_seen"]),
        last_seen=_moment(item, "last_seen"),
        resolved_at=_moment(item, "resolved_at"),
        escalate_at=_moment(item, "escalate_at"),
        marks=tuple(sorted(_mark(key, at) for key, at in (item.get("marks") or {}).items())),
        revision=int(item.get("revision", 0)),
        redraw_after=datetime.fromtimestamp(float(item["redraw_after"]), UTC) if item.get("redraw_after") else None,
    )


def _state(item: Item) -> SourceState:
    return SourceState(source=item["source"], dedup_key=item["dedup_key"], status=ExternalStatus(item["status"]),
                       occurred_at=datetime.fromisoformat(item["occurred_at"]), alert_id=item.get("alert_id") or None,
                       occurrence=int(item.get("occurrence", 0)), version=int(item["version"]),
                       seen=int(item.get("seen", 0)))
