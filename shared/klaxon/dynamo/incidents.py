"""Declared incidents in the table.

    INCIDENT#<id>      / INCIDENT       the incident, with `version` (every change is conditional on it), the
                                        reminders sent and the keyword replies given; in the `due` index
                                        under `incident` at its next reminder's time while one is due; in the
                                        `history` index under `incident` at the time it was declared
    INCIDENT#<id>      / TL#<key>       one timeline entry (pins keyed by their message, changes by origin):
                                        beside the incident in its partition, so one query reads the incident
                                        and its whole timeline
    CHANNEL#<channel>  / INCIDENT       the incident a comms channel belongs to: one GetItem answers "is this
                                        a comms channel?" for any channel
    DECLARATION#<key>  / DECLARATION    the incident a declaring form made: its second submission finds it
    ALERT#<alert id>   / INCIDENT       the incident declared from an alert: an alert has at most one

A change commits the incident and its timeline entries in one transaction (with the comms channel's
index when the change gives it one): the entries' own condition (none exists yet under their key) is what
tells a repeated delivery from a new change. Reminders and keyword replies are kept beside the incident's
fields without a new version, so the sweep never makes a command retry, and a command never undoes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from klaxon.dynamo.table import ConditionFailed, Item, Table, Write, epoch
from klaxon.incidents.model import ActionState, FollowUp, Incident, Severity, Status, StatusChange
from klaxon.incidents.ports import AlertTaken, AlreadyApplied, IncidentConflict
from klaxon.incidents.timeline import EntryKind, IncidentRecord, TimelineEntry, ordered

DUE = "incident"
HISTORY = "incident"  # the incidents' key in the `history` index (newest first, by the time declared)
_NOT_THERE = "attribute_not_exists(pk)"


class DynamoIncidents:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ declaring
    def declare(self, incident: Incident, key: str, entries: Sequence[TimelineEntry],
                due_at: datetime | None) -> tuple[Incident, bool]:
        writes = [Write("Put", _declaration_key(key), {"incident_id": incident.id}, condition=_NOT_THERE),
                  Write("Put", _incident_key(incident.id), {**_fields(incident), "version": incident.version,
                                                            **_due(due_at), **_listed(incident)},
                        condition=_NOT_THERE),
                  *(_entry_write(entry) for entry in entries)]
        alerts = [Write("Put", _alert_key(alert_id), {"incident_id": incident.id}, condition=_NOT_THERE)
                  for alert_id in incident.alert_ids]
        try:
            self._table.transact([*writes, *alerts])
        except ConditionFailed as refused:
            # The same form declared already (or at this very moment: a racing transaction's conflict), else
            # its alert taken by another form's incident.
            declared = self._declared(key)
            if declared is not None:
                return declared, False
            taken = [alert_id for alert_id, reason in zip(incident.alert_ids, refused.reasons[len(writes):],
                                                          strict=False) if reason == "ConditionalCheckFailed"]
            if taken:
                raise AlertTaken(self.of_alert(taken[0]) or "?") from refused
            raise
        return incident, True

    def _declared(self, key: str) -> Incident | None:
        item = self._table.get(*_pair(_declaration_key(key)), consistent=True)
        return self.get(str(item["incident_id"])) if item else None

    # ------------------------------------------------------------------ reading
    def get(self, incident_id: str) -> Incident | None:
        item = self._table.get(*_pair(_incident_key(incident_id)), consistent=True)
        return _incident(item) if item else None

    def record(self, incident_id: str, consistent: bool = False) -> IncidentRecord | None:
        items = self._table.query(f"INCIDENT#{incident_id}", consistent=consistent)
        incident = next((item for item in items if item["sk"] == "INCIDENT"), None)
        if incident is None:
            return None
        entries = [_entry(item) for item in items if str(item["sk"]).startswith("TL#")]
        return IncidentRecord(_incident(incident), tuple(ordered(entries)))

    def declared_since(self, since: datetime, limit: int | None = None) -> list[Incident]:
        return [_incident(item) for item in self._table.history(HISTORY, since=epoch(since), limit=limit)]

    def in_channel(self, channel: str) -> str | None:
        item = self._table.get(f"CHANNEL#{channel}", "INCIDENT", consistent=True)
        return str(item["incident_id"]) if item else None

    def of_alert(self, alert_id: str) -> str | None:
        item = self._table.get(*_pair(_alert_key(alert_id)), consistent=True)
        return str(item["incident_id"]) if item else None

    def due(self, now: datetime, limit: int | None = None) -> list[Incident]:
        keys = self._table.due(DUE, until=epoch(now), limit=limit)
        return [_incident(item) for item in sorted(self._table.get_many(keys), key=lambda item: item["due_at"])]

    def has_entry(self, incident_id: str, key: str) -> bool:
        return self._table.get(f"INCIDENT#{incident_id}", f"TL#{key}", consistent=True) is not None

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        return [_entry(item) for item in self._table.query(f"INCIDENT#{incident_id}", sk_prefix="TL#",
                                                           consistent=True)]

    # ------------------------------------------------------------------ changing
    def save(self, before: Incident, after: Incident, entries: Sequence[TimelineEntry],
             due_at: datetime | None) -> Incident:
        saved = replace(after, version=before.version + 1)
        update = _update(saved, due_at, expected=before.version)
        channel = ([Write("Put", {"pk": f"CHANNEL#{after.comms_channel}", "sk": "INCIDENT"},
                          {"incident_id": after.id})] if after.comms_channel != before.comms_channel else [])
        writes = [update, *(_entry_write(entry) for entry in entries), *channel]
        try:
            if len(writes) == 1:  # a bookkeeping change: one conditional update, half a transaction's cost
                self._table.update(update.key["pk"], update.key["sk"], str(update.update), condition=update.condition,
                                   names=update.names, values=update.values)
            else:
                self._table.transact(writes)
        except ConditionFailed as refused:
            if "ConditionalCheckFailed" in refused.reasons[1:1 + len(entries)]:
                raise AlreadyApplied(after.id) from refused
            raise IncidentConflict(after.id) from refused
        return saved

    def take_reminders(self, incident: Incident, now: datetime) -> bool:
        try:
            self._table.update(*_pair(_incident_key(incident.id)), "SET reminded_at = :now",
                               condition="version = :version AND due_at <= :now",
                               values={":now": epoch(now), ":version": incident.version})
        except ConditionFailed:
            return False
        return True

    def record_reminders(self, incident: Incident, sent: Mapping[str, int], due_at: datetime | None) -> bool:
        expression = ("SET reminders = :sent, due_kind = :kind, due_at = :due" if due_at
                      else "SET reminders = :sent REMOVE due_kind, due_at")
        try:
            self._table.update(*_pair(_incident_key(incident.id)), expression, condition="version = :version",
                               values={":sent": dict(sent), ":version": incident.version,
                                       **({":kind": DUE, ":due": epoch(due_at)} if due_at else {})})
        except ConditionFailed:
            return False
        return True

    def mark_pin(self, entry: TimelineEntry, mark: str) -> None:
        self._table.update(
            f"INCIDENT#{entry.incident_id}", f"TL#{entry.key}",
            "SET incident_id = :incident, #at = if_not_exists(#at, :at), kind = :kind, #by = if_not_exists(#by, :by), "
            "#text = :text, message = :message ADD marks :mark",
            names={"#at": "at", "#by": "by", "#text": "text"},
            values={":incident": entry.incident_id, ":at": entry.at.isoformat(), ":kind": entry.kind.value,
                    ":by": entry.by or "", ":text": entry.text, ":message": list(entry.message or ()),
                    ":mark": {mark}})

    def unmark_pin(self, incident_id: str, key: str, mark: str) -> None:
        pk, sk = f"INCIDENT#{incident_id}", f"TL#{key}"
        try:
            left = self._table.update(pk, sk, "DELETE marks :mark", condition="attribute_exists(pk)",
                                      values={":mark": {mark}})
        except ConditionFailed:
            return  # no such entry: nothing to take away
        if not left.get("marks"):
            try:
                self._table.delete(pk, sk, condition="attribute_not_exists(marks)")
            except ConditionFailed:
                pass  # marked again meanwhile: it stays

    def claim_keyword(self, incident_id: str, keyword_id: str) -> bool:
        try:
            self._table.update(*_pair(_incident_key(incident_id)), "ADD keywords_replied :keyword",
                               condition="attribute_exists(pk) AND NOT contains(keywords_replied, :id)",
                               values={":keyword": {keyword_id}, ":id": keyword_id})
        except ConditionFailed:
            return False
        return True

    def release_keyword(self, incident_id: str, keyword_id: str) -> None:
        self._table.update(*_pair(_incident_key(incident_id)), "DELETE keywords_replied :keyword",
                           condition="attribute_exists(pk)", values={":keyword": {keyword_id}})


# ---------------------------------------------------------------------- keys
def _incident_key(incident_id: str) -> Item:
    return {"pk": f"INCIDENT#{incident_id}", "sk": "INCIDENT"}


def _declaration_key(key: str) -> Item:
    return {"pk": f"DECLARATION#{key}", "sk": "DECLARATION"}


def _alert_key(alert_id: str) -> Item:
    return {"pk": f"ALERT#{alert_id}", "sk": "INCIDENT"}


def _pair(key: Item) -> tuple[str, str]:
    return str(key["pk"]), str(key["sk"])


def _listed(incident: Incident) -> Item:
    """Where the incident sits in the history index: written once, when it is declared."""
    return {"history_kind": HISTORY, "history_at": epoch(incident.declared_at)}


def _due(due_at: datetime | None) -> Item:
    return {"due_kind": DUE, "due_at": epoch(due_at)} if due_at else {}


# ---------------------------------------------------------------------- the incident as stored
def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _fields(incident: Incident) -> dict[str, Any]:
    """The incident's own fields as the table keeps them (None: not set); not its version or reminders."""
    return {
        "id": incident.id, "summary": incident.summary, "impact": incident.impact,
        "severity": int(incident.severity) if incident.severity else None, "reporter": incident.reporter,
        "lead": incident.lead, "lead_since": _moment(incident.lead_since),
        "declared_at": incident.declared_at.isoformat(),
        "private": incident.private, "status": incident.status.value, "roles": dict(incident.roles),
        "history": [{"status": c.status.value, "by": c.by, "at": c.at.isoformat(), "note": c.note}
                    for c in incident.history],
        "acknowledged_at": _moment(incident.acknowledged_at), "mitigated_at": _moment(incident.mitigated_at),
        "resolved_at": _moment(incident.resolved_at), "closed_at": _moment(incident.closed_at),
        "last_update_at": _moment(incident.last_update_at), "latest_update": incident.latest_update,
        "comms_channel": incident.comms_channel, "comms_post": incident.comms_post,
        "headline": list(incident.headline) if incident.headline else None,
        "origin_channel": incident.origin_channel, "alert_ids": list(incident.alert_ids),
        "page_ids": list(incident.page_ids),
        "actions": [{"id": a.id, "text": a.text, "created_by": a.created_by, "created_at": a.created_at.isoformat(),
                     "owner": a.owner, "state": a.state.value, "done_by": a.done_by, "done_at": _moment(a.done_at)}
                    for a in incident.actions],
    }


def _update(incident: Incident, due_at: datetime | None, expected: int) -> Write:
    """A conditional update setting every field (removing those not set), the version and the due time."""
    fields = {**_fields(incident), "version": incident.version, **_due(due_at)}
    names = {f"#f{n}": name for n, name in enumerate(fields)}
    sets = [f"{alias} = :v{n}" for n, (alias, name) in enumerate(names.items()) if fields[name] is not None]
    removed = [alias for alias, name in names.items() if fields[name] is None]
    if not due_at:
        names |= {"#due_kind": "due_kind", "#due_at": "due_at"}
        removed += ["#due_kind", "#due_at"]
    values = {f":v{n}": value for n, value in enumerate(fields.values()) if value is not None}
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removed) if removed else "")
    return Write("Update", _incident_key(incident.id), update=expression, condition="version = :expected",
                 names=names, values={**values, ":expected": expected})


def _incident(item: Item) -> Incident:
    def moment(value: Any) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return Incident(
        id=item["id"], summary=item["summary"], impact=item.get("impact", ""),
        severity=Severity(item["severity"]) if item.get("severity") else None, reporter=item["reporter"],
        lead=item.get("lead"), lead_since=moment(item.get("lead_since")),
        declared_at=datetime.fromisoformat(item["declared_at"]), private=bool(item.get("private")),
        status=Status(item["status"]), roles=dict(item.get("roles") or {}),
        history=tuple(StatusChange(Status(c["status"]), c["by"], datetime.fromisoformat(c["at"]), c.get("note", ""))
                      for c in item.get("history") or ()),
        acknowledged_at=moment(item.get("acknowledged_at")), mitigated_at=moment(item.get("mitigated_at")),
        resolved_at=moment(item.get("resolved_at")), closed_at=moment(item.get("closed_at")),
        last_update_at=moment(item.get("last_update_at")), latest_update=item.get("latest_update", ""),
        comms_channel=item.get("comms_channel"), comms_post=item.get("comms_post"),
        headline=(item["headline"][0], item["headline"][1]) if item.get("headline") else None,
        origin_channel=item.get("origin_channel"), alert_ids=tuple(item.get("alert_ids") or ()),
        page_ids=tuple(item.get("page_ids") or ()),
        actions=tuple(FollowUp(id=a["id"], text=a["text"], created_by=a["created_by"],
                               created_at=datetime.fromisoformat(a["created_at"]), owner=a.get("owner"),
                               state=ActionState(a["state"]), done_by=a.get("done_by"),
                               done_at=moment(a.get("done_at")))
                      for a in item.get("actions") or ()),
        reminders={slot: int(times) for slot, times in (item.get("reminders") or {}).items()},
        version=int(item["version"]),
    )


def _entry_write(entry: TimelineEntry) -> Write:
    return Write("Put", {"pk": f"INCIDENT#{entry.incident_id}", "sk": f"TL#{entry.key}"}, {
        "incident_id": entry.incident_id, "at": entry.at.isoformat(), "kind": entry.kind.value, "by": entry.by,
        "text": entry.text, "message": list(entry.message) if entry.message else None}, condition=_NOT_THERE)


def _entry(item: Item) -> TimelineEntry:
    message = item.get("message") or []
    return TimelineEntry(incident_id=item["incident_id"], key=str(item["sk"]).removeprefix("TL#"),
                         at=datetime.fromisoformat(item["at"]), kind=EntryKind(item["kind"]), by=item.get("by") or None,
                         text=item.get("text", ""), message=(message[0], message[1]) if len(message) == 2 else None)
