"""The configuration partition, and the audit trail beside it.

    CONFIG / VERSION               the version every edit bumps, in the edit's own transaction, and a
                                   stamp unique to the commit, which warm containers revalidate against
    CONFIG / RULESET               the rules in order, as references to rule revisions
    CONFIG / RULE#<id>#<rev>       one revision of one rule (written once, never changed)
    CONFIG / CHANNELS              each watched channel's default for unmatched messages
    CONFIG / PREFERENCES           workspace preferences
    CONFIG / POLICIES              escalation policies, which channel uses which, and the default
    CONFIG / KEYWORDS              keyword replies for incidents' comms channels
    AUDIT / <at>#<nonce>           who changed what, when, before and after (klaxon.dynamo.audit)

A rule change writes new revision items first (invisible: nothing refers to them yet), then one
small transaction switches RULESET, bumps VERSION on the condition that it is still what the editor
read, and adds the audit entry. However many rules an import brings, the switch is all or nothing,
and a crash between the two steps leaves only unreferenced revisions behind. The silences an import
restores (klaxon.dynamo.silences' items) go in that transaction too, each on the condition that no silence
has its id yet: a racing import's conflict is retried like any other.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace

from klaxon.configuration.model import AuditEntry, Configuration, ConfigurationConflict, Preferences
from klaxon.dynamo.audit import audit_trail, audit_write
from klaxon.dynamo.silences import silence_write
from klaxon.dynamo.table import ConditionFailed, Item, Table, Write
from klaxon.incidents.keywords import KeywordReply
from klaxon.paging.policies import EscalationPolicy
from klaxon.rules import ChannelDefault, Rule
from klaxon.silences.model import Silence

CONFIG_PK = "CONFIG"


class DynamoConfiguration:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ reading
    def stamp(self) -> str:
        return self._current()[1]

    def _current(self) -> tuple[int, str]:
        item = self._table.get(CONFIG_PK, "VERSION", consistent=True)
        return (int(item["version"]), str(item["stamp"])) if item else (0, "")

    def load(self) -> Configuration:
        # The version is read first: if an edit lands during the Query, the snapshot is tagged with the
        # older version and the next revalidation reloads it.
        version, stamp = self._current()
        items = {item["sk"]: item for item in self._table.query(CONFIG_PK, consistent=True)}
        refs = (items.get("RULESET") or {}).get("rules", [])
        channels = (items.get("CHANNELS") or {}).get("defaults", {})
        preferences = items.get("PREFERENCES")
        policies = items.get("POLICIES") or {}
        return Configuration(
            version=version,
            stamp=stamp,
            rules=tuple(Rule.from_record(items[f"RULE#{ref}"]["rule"]) for ref in refs if f"RULE#{ref}" in items),
            channel_defaults={channel: ChannelDefault(default) for channel, default in channels.items()},
            preferences=Preferences.from_record(preferences["preferences"]) if preferences else Preferences(),
            policies={name: EscalationPolicy.from_record(record)
                      for name, record in (policies.get("policies") or {}).items()},
            channel_policies=dict(policies.get("by_channel") or {}),
            default_policy=policies.get("default") or None,
            keywords=tuple(KeywordReply.from_record(record)
                           for record in (items.get("KEYWORDS") or {}).get("keywords", [])),
        )

    def audit_trail(self, limit: int) -> list[AuditEntry]:
        return audit_trail(self._table, limit)

    def note(self, entry: AuditEntry) -> None:
        write = audit_write(entry)
        self._table.put({**write.key, **(write.item or {})})

    # ------------------------------------------------------------------ writing
    def commit(self, base: Configuration, changed: Configuration, entry: AuditEntry,
               silences: Sequence[Silence] = ()) -> Configuration:
        new_version = base.version + 1
        current_refs = self._rule_refs()
        refs, revisions = _rule_revisions(base, changed, current_refs, new_version)
        self._table.put_many(revisions)
        stamp = secrets.token_hex(8)
        writes = [_version_bump(base.version, new_version, stamp), audit_write(entry)]
        if refs != list(current_refs.values()) or revisions:
            writes.append(Write("Put", {"pk": CONFIG_PK, "sk": "RULESET"}, {"rules": refs}))
        if changed.channel_defaults != base.channel_defaults:
            defaults = {channel: str(default) for channel, default in changed.channel_defaults.items()}
            writes.append(Write("Put", {"pk": CONFIG_PK, "sk": "CHANNELS"}, {"defaults": defaults}))
        if changed.preferences != base.preferences:
            writes.append(Write("Put", {"pk": CONFIG_PK, "sk": "PREFERENCES"},
                                {"preferences": changed.preferences.to_record()}))
        if _policies(changed) != _policies(base):
            writes.append(Write("Put", {"pk": CONFIG_PK, "sk": "POLICIES"}, _policies(changed)))
        if changed.keywords != base.keywords:
            writes.append(Write("Put", {"pk": CONFIG_PK, "sk": "KEYWORDS"},
                                {"keywords": [keyword.to_record() for keyword in changed.keywords]}))
        writes += [silence_write(silence) for silence in silences]
        try:
            self._table.transact(writes)
        except ConditionFailed as refused:
            self._table.delete_many([(CONFIG_PK, item["sk"]) for item in revisions])
            raise ConfigurationConflict("the configuration changed while this edit was made") from refused
        superseded = set(current_refs.values()) - set(refs)
        self._table.delete_many([(CONFIG_PK, f"RULE#{ref}") for ref in superseded])
        return replace(changed, version=new_version, stamp=stamp)

    def _rule_refs(self) -> dict[str, str]:
        item = self._table.get(CONFIG_PK, "RULESET", consistent=True)
        return {ref.split("#", 1)[0]: ref for ref in (item or {}).get("rules", [])}


def _rule_revisions(base: Configuration, changed: Configuration, current: dict[str, str],
                    version: int) -> tuple[list[str], list[Item]]:
    """The new RULESET references, and the revision items to write for new or changed rules."""
    before = {rule.id: rule for rule in base.rules}
    refs, revisions = [], []
    for rule in changed.rules:
        if rule.id in current and before.get(rule.id) == rule:
            refs.append(current[rule.id])
            continue
        ref = f"{rule.id}#{version}"
        refs.append(ref)
        revisions.append({"pk": CONFIG_PK, "sk": f"RULE#{ref}", "rule": rule.to_record()})
    return refs, revisions


def _policies(config: Configuration) -> Item:
    return {"policies": {name: policy.to_record() for name, policy in config.policies.items()},
            "by_channel": dict(config.channel_policies), "default": config.default_policy}


def _version_bump(expected: int, new: int, stamp: str) -> Write:
    condition = "attribute_not_exists(pk)" if expected == 0 else "version = :expected"
    return Write("Update", {"pk": CONFIG_PK, "sk": "VERSION"}, update="SET version = :new, stamp = :stamp",
                 condition=condition,
                 values={":new": new, ":stamp": stamp, **({":expected": expected} if expected else {})})
