"""Alerts in the table, with the indexes that make them cheap to find.

    ALERT#<alert id>              / ALERT   the alert, with its origin (a message, or a monitoring source)
    MSG#<channel>#<ts>            / MSG     which alert a message belongs to (its original, or its post):
                                            a reaction on any other message costs one empty GetItem
    GROUP#<fingerprint>           / GROUP   the open message alert repeats are counted into, until `until`
    SOURCE#<source>#<key sha256>  / STATE   a monitoring source's key: its current alert, the latest event
                                            applied, and a version every write bumps (klaxon.alerts.lifecycle)
    ALERT#<alert id>              / POST    an alert not posted yet: due under `post` when the posting lease
                                            its raiser holds (`posting_until` on the alert) runs out, or when
                                            a failed post is to be tried again: the sweep then posts it, so
                                            nothing a dead worker or an unreachable channel left is lost

An alert sits in the sparse `due` index under `unacked` (at its first-seen time) while nobody has
handled it, and under `handled` (at the time it was first handled) afterwards: the sweep's digest,
reconcile and reminders read the oldest unacknowledged alerts, and the verbose digest the recently
handled ones, without scanning anything. A silenced alert is in neither: it sits under `silenced` (at its
first-seen time) for /klaxon report to count, whatever becomes of it.

Every alert to post is recorded with a posting lease for its raiser and that marker, in the transaction that
records it; recording its post ends both. Whoever else posts it (a redelivery, a source's repeat, the sweep)
takes the lease first (`claim_posting`), once it has run out: one post per alert, however many try.

Due times are exact epoch seconds (klaxon.dynamo.table.epoch); reads through the eventually consistent
index are checked again on the alerts read consistently.

Recording a message is one transaction whose first write creates the message's MSG item, so a
redelivered event can never count twice or raise a second alert. A source's event is applied in one
transaction conditioned on its key's state version, so racing deliveries of one key are applied one
after the other; a request carrying many events writes them in shared transactions (100 items each)
after reading their states in batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from klaxon.alerts.external import ExternalStatus, Severity
from klaxon.alerts.lifecycle import AlertStanding, Change, SourceState, Transition, decide, key_hash
from klaxon.alerts.model import Alert, AlertState, ExternalOrigin, HandledMark, Origin, SlackMessageOrigin, source_actor
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
UNACKED, HANDLED, POST, SILENCED = "unacked", "handled", "post", "silenced"
MESSAGE, EXTERNAL = "message", "external"


class DynamoAlerts:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ raising from messages
    def raise_alert(self, alert: Alert, group_until: datetime, now: datetime) -> Raised:
        message = _message_of(alert)
        closed_group: str | None = None  # a group whose alert turned out to be resolved
        for attempt in range(_ATTEMPTS):
            group = self._table.get(_group_pk(alert.fingerprint), "GROUP", consistent=True) or {}
            group_alert = group.get("alert_id")
            open_group = bool(group_alert and group["until"] > alert.first_seen.timestamp()
                              and group_alert not in (alert.id, closed_group))
            try:
                if open_group:
                    return self._count_into(str(group_alert), alert, message, group_until)
                return self._create(alert, message, group_until, replacing=group_alert,
                                    lease=epoch(now + POSTING_LEASE))
            except ConditionFailed as refused:
                if refused.reasons[:1] == ["ConditionalCheckFailed"]:
                    return self._already_recorded(message)
                if open_group and refused.reasons[1:2] == ["ConditionalCheckFailed"]:
                    closed_group = group_alert
                # Otherwise the group changed under us, or a racing transaction held it
                # (TransactionConflict): back off a little, with jitter, and look again.
                back_off(attempt)
        raise RuntimeError(f"could not record alert {alert.id}: its group kept changing")

    def _create(self, alert: Alert, message: SlackMessageOrigin, group_until: datetime,
                replacing: str | None, lease: Decimal) -> Raised:
        self._table.transact([
            _message_index(message.channel, message.ts, alert.id, "original"),
            *_new_alert(alert, posting_until=lease),
            Write("Put", {"pk": _group_pk(alert.fingerprint), "sk": "GROUP"}, _group_item(alert.id, group_until),
                  condition="attribute_not_exists(pk) OR #until <= :now OR alert_id = :replacing",
                  names={"#until": "until"},
                  values={":now": int(alert.first_seen.timestamp()), ":replacing": replacing or "-"}),
        ])
        return Raised(alert, RaiseOutcome.NEW)

    def _count_into(self, group_alert_id: str, repeat: Alert, message: SlackMessageOrigin,
                    group_until: datetime) -> Raised:
        self._table.transact([
            _message_index(message.channel, message.ts, group_alert_id, "repeat"),
            Write("Update", _alert_key(group_alert_id), update="SET #count = #count + :one",
                  condition="attribute_exists(pk) AND attribute_not_exists(resolved_by)",
                  names={"#count": "count"}, values={":one": 1}),
            Write("Update", {"pk": _group_pk(repeat.fingerprint), "sk": "GROUP"},
                  update="SET #until = :until, expires_at = :expires", condition="alert_id = :alert",
                  names={"#until": "until"},
                  values={":until": int(group_until.timestamp()), ":alert": group_alert_id,
                          ":expires": int((group_until + GROUP_KEEP).timestamp())}),
        ])
        self._seen(group_alert_id, repeat.first_seen)
        counted = self.get(group_alert_id)
        assert counted is not None, "the transaction checked it exists"
        return Raised(counted, RaiseOutcome.GROUPED)

    def _seen(self, alert_id: str, moment: datetime) -> None:
        """Move the alert's last_seen to `moment` if that is later than when it was last (or first) seen.

        Repeats arrive in any order (a message posted earlier can be delivered later), so this is its own
        conditional write rather than part of the count's transaction: DynamoDB has no max(). Times are
        stored as UTC ISO-8601 strings of one form, so they compare as strings in time order.
        """
        try:
            self._table.update(f"ALERT#{alert_id}", "ALERT", "SET last_seen = :seen",
                               condition="(attribute_not_exists(last_seen) AND first_seen < :seen) "
                                         "OR last_seen < :seen",
                               values={":seen": moment.isoformat()})
        except ConditionFailed:
            pass  # a later repeat was seen already: last_seen stays where it is

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
        for n, arrival in batch:
            state = states.get(_state_pk(arrival.event.source, arrival.event.dedup_key))
            alert = standing.get(state.alert_id) if state and state.alert_id else None
            transition = decide(state, _standing_of(alert), arrival.event, arrival.at, window, arrival.silenced)
            planned.append((n, arrival, transition, alert))
        done: dict[int, Applied] = {}
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
            try:
                self._table.transact(_writes(arrival, transition, alert, now))
            except ConditionFailed:
                back_off(attempt)
                continue
            return next(iter(self._results([(0, arrival, transition, alert)]).values()))
        raise RuntimeError(f"could not apply {arrival.event.source} event {arrival.event.dedup_key!r}: "
                           "its key kept changing")

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
        return self._change(alert_id, _RESOLVE, values=_resolve_values(user, at))

    # The index may lag a fresh change: what each alert is now (read consistently) decides.
    def unacknowledged(self, seen_before: datetime, limit: int | None = None) -> list[Alert]:
        keys = self._table.due(UNACKED, until=epoch(seen_before), limit=limit)
        return [a for a in self._alerts(keys) if a.state is AlertState.OPEN and a.first_seen <= seen_before]

    def recently_handled(self, since: datetime, limit: int | None = None) -> list[Alert]:
        keys = self._table.due(HANDLED, since=epoch(since), limit=limit)
        return [a for a in self._alerts(keys) if a.handled_at is not None and a.handled_at >= since]

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
_CHANGES_ALERT = (Change.REPEAT, Change.REOPEN, Change.RESOLVE)
type _Plan = tuple[int, Arrival, Transition, Alert | None]  # an arrival's place, itself, its transition, its alert
_RESOLVE_SILENCED = ("SET resolved_by = if_not_exists(resolved_by, :user), "
                     "resolved_at = if_not_exists(resolved_at, :at), revision = revision + :one")
_RESOLVE = (_RESOLVE_SILENCED + ", due_kind = :handled, due_at = if_not_exists(handled_at, :epoch), "
            "handled_at = if_not_exists(handled_at, :epoch)")


def _resolve_values(by: str, at: datetime, silenced_by: str | None = None) -> dict[str, Any]:
    values = {":user": by, ":at": at.isoformat(), ":one": 1}
    return values if silenced_by else {**values, ":handled": HANDLED, ":epoch": epoch(at)}


def _writes(arrival: Arrival, transition: Transition, alert: Alert | None, now: datetime) -> list[Write]:
    """The writes that store one transition, heard `now`: the key's state (guarded by its version) and its
    alert (a new one leased for posting for POSTING_LEASE)."""
    change, state = transition.change, transition.state
    if change is Change.STALE:
        return []
    lease = epoch(now + POSTING_LEASE)
    writes = [_state_write(state, now)]
    seen = {":seen": arrival.at.isoformat(), ":one": 1}
    if change is Change.NEW:
        writes += _new_alert(_drafted(arrival, transition), posting_until=lease)
    elif change is Change.REPEAT:
        writes.append(Write("Update", _alert_key(str(state.alert_id)),
                            update="SET #count = #count + :one, last_seen = :seen, occurred_at = :seen, "
                                   "revision = revision + :one",
                            condition="attribute_exists(pk) AND attribute_not_exists(resolved_by)",
                            names={"#count": "count"}, values=seen))
    elif change is Change.REOPEN:
        assert alert is not None and alert.resolved_at is not None
        writes.append(_reopen(alert, seen))
    elif change is Change.RESOLVE:
        assert alert is not None
        # A silenced alert stays under `silenced` in the due index: it was never listed, so never handled.
        resolve = _RESOLVE_SILENCED if alert.silenced_by else _RESOLVE
        writes.append(Write("Update", _alert_key(str(state.alert_id)), update=resolve + ", occurred_at = :at",
                            condition="attribute_exists(pk) AND attribute_not_exists(resolved_by)",
                            values=_resolve_values(source_actor(state.source), arrival.at, alert.silenced_by)))
    return writes


def _reopen(alert: Alert, values: dict[str, Any]) -> Write:
    """Open again, counted; back among the unacknowledged unless someone's mark still stands."""
    assert alert.resolved_at is not None
    more: dict[str, Any]
    if alert.silenced_by:  # it stays under `silenced`: reopened by a firing the same silence covers
        due, remove, more = "", "", {}
    elif alert.marks:
        due, remove, more = "due_kind = :handled, due_at = handled_at", "", {":handled": HANDLED}
    else:
        due, remove, more = "due_kind = :unacked, due_at = :first", ", handled_at", {
            ":unacked": UNACKED, ":first": epoch(alert.first_seen)}
    return Write("Update", _alert_key(alert.id),
                 update=f"SET #count = #count + :one, last_seen = :seen, occurred_at = :seen, "
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
        "version": version + 1, "expires_at": int((max(heard, state.occurred_at) + STATE_KEEP).timestamp())},
        condition="attribute_not_exists(pk)" if version == 0 else "version = :version",
        values=None if version == 0 else {":version": version})


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


def _message_index(channel: str, ts: str, alert_id: str, role: str) -> Write:
    return Write("Put", {"pk": _message_pk(channel, ts), "sk": "MSG"}, {"alert_id": alert_id, "role": role},
                 condition="attribute_not_exists(pk)")


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
        item.update(due_kind=HANDLED if handled else UNACKED, due_at=epoch(handled or alert.first_seen),
                    handled_at=epoch(handled) if handled else None)
    return item


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
    )


def _state(item: Item) -> SourceState:
    return SourceState(source=item["source"], dedup_key=item["dedup_key"], status=ExternalStatus(item["status"]),
                       occurred_at=datetime.fromisoformat(item["occurred_at"]), alert_id=item.get("alert_id") or None,
                       occurrence=int(item.get("occurrence", 0)), version=int(item["version"]))
