"""The configuration partition, and the audit trail beside it.

    CONFIG / VERSION               the version every edit bumps, in the edit's own transaction; a stamp
                                   unique to the commit, which warm containers revalidate against; and how
                                   many pieces its snapshot has
    CONFIG / SNAPSHOT#<stamp>#<n>  piece n of the whole configuration as of that commit, compressed
                                   (klaxon.configuration.snapshot); written once, never changed
    AUDIT / <at>#<nonce>           who changed what, when, before and after (klaxon.dynamo.audit)

Why a snapshot: a cold container, and every warm one after an edit, reads VERSION and the few pieces it
names (2 items for 10,000 rules; bench/RESULTS.md), not one item per rule. An edit writes its pieces
under a new stamp first (invisible: nothing names them yet), then one small transaction bumps VERSION to
name them, on the condition that it is still the version the editor read, and adds the audit entry; then
the pieces VERSION named before are deleted. So VERSION always names pieces that hold exactly the
configuration of its version: a racing edit that loses deletes its own pieces, and a reader whose pieces
were deleted under it by a newer commit reads VERSION again. A crash between the steps leaves only pieces
nothing names.

Before snapshots, the configuration was one item per rule revision (RULE#<id>#<rev>) in the order RULESET
gave, and CHANNELS, PREFERENCES, POLICIES and KEYWORDS items; VERSION then had no piece count. Such a
table is read as it is, and its first edit writes a snapshot and deletes those items.

The silences an import restores (klaxon.dynamo.silences' items) go in VERSION's transaction too, each on the
condition that no silence has its id yet: a racing import's conflict is retried like any other.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace

from klaxon.configuration.model import AuditEntry, Configuration, ConfigurationConflict, Preferences
from klaxon.configuration.snapshot import SnapshotError, decode, encode
from klaxon.dynamo.audit import audit_trail, audit_write
from klaxon.dynamo.silences import silence_write
from klaxon.dynamo.table import ConditionFailed, Item, Table, Write
from klaxon.incidents.keywords import KeywordReply
from klaxon.paging.policies import EscalationPolicy
from klaxon.rules import ChannelDefault, Rule
from klaxon.silences.model import Silence

CONFIG_PK = "CONFIG"
# DynamoDB's item limit is 400 KB, attribute names and the key included: a piece of 350,000 bytes leaves room.
PIECE_BYTES = 350_000
# A reader tries again when a newer commit deleted the pieces it was reading; edits are seconds apart.
LOAD_ATTEMPTS = 5
_LEGACY_ITEMS = ("RULESET", "CHANNELS", "PREFERENCES", "POLICIES", "KEYWORDS")


class DynamoConfiguration:
    def __init__(self, table: Table, piece_bytes: int = PIECE_BYTES) -> None:
        self._table = table
        self._piece_bytes = piece_bytes

    # ------------------------------------------------------------------ reading
    def stamp(self) -> str:
        head = self._head()
        return str(head["stamp"]) if head else ""

    def _head(self) -> Item | None:
        return self._table.get(CONFIG_PK, "VERSION", consistent=True)

    def load(self) -> Configuration:
        for _ in range(LOAD_ATTEMPTS):
            head = self._head()
            if head is None:
                return Configuration()
            version, stamp = int(head["version"]), str(head["stamp"])
            if "pieces" not in head:
                return _legacy_load(self._table, version, stamp)
            keys = [(CONFIG_PK, _piece_key(stamp, n)) for n in range(int(head["pieces"]))]
            pieces = sorted(self._table.get_many(keys), key=lambda item: str(item["sk"]))
            if len(pieces) == len(keys):
                return decode([bytes(piece["data"]) for piece in pieces], version=version, stamp=stamp)
            # A newer commit named other pieces and deleted these between the two reads: read VERSION again.
        raise SnapshotError(f"the configuration changed {LOAD_ATTEMPTS} times while it was read; try again")

    def audit_trail(self, limit: int) -> list[AuditEntry]:
        return audit_trail(self._table, limit)

    def note(self, entry: AuditEntry) -> None:
        write = audit_write(entry)
        self._table.put({**write.key, **(write.item or {})})

    # ------------------------------------------------------------------ writing
    def commit(self, base: Configuration, changed: Configuration, entry: AuditEntry,
               silences: Sequence[Silence] = ()) -> Configuration:
        replaced = self._head()  # what this commit supersedes, if it lands (its condition is this version)
        if (int(replaced["version"]) if replaced else 0) != base.version:
            raise ConfigurationConflict("the configuration changed while this edit was made")
        new_version, stamp = base.version + 1, secrets.token_hex(8)
        pieces = [{"pk": CONFIG_PK, "sk": _piece_key(stamp, n), "data": piece, "version": new_version}
                  for n, piece in enumerate(encode(changed, self._piece_bytes))]
        self._table.put_many(pieces)
        try:
            self._table.transact([_version_bump(base.version, new_version, stamp, len(pieces)), audit_write(entry),
                                  *(silence_write(silence) for silence in silences)])
        except ConditionFailed as refused:
            self._table.delete_many([(CONFIG_PK, _piece_key(stamp, n)) for n in range(len(pieces))])
            raise ConfigurationConflict("the configuration changed while this edit was made") from refused
        if replaced:
            self._table.delete_many(self._superseded(replaced))
        return replace(changed, version=new_version, stamp=stamp)

    def _superseded(self, head: Item) -> list[tuple[str, str]]:
        """The keys of what `head` named: its snapshot's pieces, or the items of the layout before snapshots."""
        if "pieces" in head:
            return [(CONFIG_PK, _piece_key(str(head["stamp"]), n)) for n in range(int(head["pieces"]))]
        revisions = self._table.query(CONFIG_PK, sk_prefix="RULE#", consistent=True)
        return [(CONFIG_PK, sk) for sk in (*_LEGACY_ITEMS, *(str(item["sk"]) for item in revisions))]


def _piece_key(stamp: str, n: int) -> str:
    return f"SNAPSHOT#{stamp}#{n:04d}"


def _version_bump(expected: int, new: int, stamp: str, pieces: int) -> Write:
    condition = "attribute_not_exists(pk)" if expected == 0 else "version = :expected"
    return Write("Update", {"pk": CONFIG_PK, "sk": "VERSION"},
                 update="SET version = :new, stamp = :stamp, pieces = :pieces", condition=condition,
                 values={":new": new, ":stamp": stamp, ":pieces": pieces,
                         **({":expected": expected} if expected else {})})


def _legacy_load(table: Table, version: int, stamp: str) -> Configuration:
    """The configuration as the layout before snapshots kept it: one item per rule revision, in RULESET's order."""
    items = {item["sk"]: item for item in table.query(CONFIG_PK, consistent=True)}
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
