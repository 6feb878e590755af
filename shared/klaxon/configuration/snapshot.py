"""The whole configuration as a few compressed pieces: what a store keeps so a cold container reads it in
a few items, not one item per rule.

The configuration's records (`Rule.to_record`, `Preferences.to_record` … as the YAML export
writes them) as compact JSON compressed with zlib (RFC 1950; the standard library, and fast to inflate on a
cold start), then cut into pieces of at most `piece_bytes` each, so each piece fits a store's item limit
(DynamoDB's is 400 KB an item: klaxon.dynamo.configuration). Version and stamp are not inside: the store
keeps them where it names the pieces, and a reader gets them from there.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any

from klaxon.configuration.model import Configuration, ConfigurationError, Preferences
from klaxon.incidents.keywords import KeywordReply
from klaxon.paging.policies import EscalationPolicy
from klaxon.rules import ChannelDefault, Rule, RuleError

FORMAT = 1  # bumped when the record's shape changes; a reader refuses a format it does not know
# Inflating stops here: a configuration of 10,000 rules of 1,000-character patterns is about 14 MB of JSON,
# so a larger result is not a configuration Klaxon wrote (a corrupt or hostile item).
MAX_INFLATED_BYTES = 64 << 20


class SnapshotError(ConfigurationError):
    """Stored pieces that do not make a configuration: a piece missing, corrupt, or of an unknown format."""


def encode(config: Configuration, piece_bytes: int) -> list[bytes]:
    """The configuration (without version and stamp) as compressed pieces of at most `piece_bytes` each."""
    if piece_bytes < 1:
        raise ValueError("a piece holds at least one byte")
    record = {
        "format": FORMAT,
        "rules": [rule.to_record() for rule in config.rules],
        "channel_defaults": {channel: str(default) for channel, default in config.channel_defaults.items()},
        "preferences": config.preferences.to_record(),
        "policies": {name: policy.to_record() for name, policy in config.policies.items()},
        "channel_policies": dict(config.channel_policies),
        "default_policy": config.default_policy,
        "keywords": [keyword.to_record() for keyword in config.keywords],
    }
    packed = zlib.compress(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode(), level=9)
    return [packed[start:start + piece_bytes] for start in range(0, len(packed), piece_bytes)]


def decode(pieces: Sequence[bytes], *, version: int, stamp: str) -> Configuration:
    """The configuration the pieces (in order) hold, tagged with the version and stamp they were stored under.

    Raises SnapshotError naming what is wrong when they do not make one.
    """
    record = _inflate(b"".join(pieces))
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        found = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise SnapshotError(f"the stored configuration is in format {found!r}; this Klaxon reads format {FORMAT}")
    try:
        return Configuration(
            version=version, stamp=stamp,
            rules=tuple(Rule.from_record(rule) for rule in record["rules"]),
            channel_defaults={channel: ChannelDefault(default)
                              for channel, default in record["channel_defaults"].items()},
            preferences=Preferences.from_record(record["preferences"]),
            policies={name: EscalationPolicy.from_record(policy) for name, policy in record["policies"].items()},
            channel_policies=dict(record["channel_policies"]),
            default_policy=record["default_policy"],
            keywords=tuple(KeywordReply.from_record(keyword) for keyword in record["keywords"]),
        )
    except (KeyError, TypeError, AttributeError, ValueError, RuleError) as error:
        raise SnapshotError(f"the stored configuration does not read back: {error}") from error


def _inflate(packed: bytes) -> Any:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(packed, MAX_INFLATED_BYTES)
    except zlib.error as error:
        raise SnapshotError(f"the stored configuration is corrupt ({error})") from error
    if inflater.unconsumed_tail:
        raise SnapshotError(f"the stored configuration inflates past {MAX_INFLATED_BYTES:,} bytes")
    if not inflater.eof:
        raise SnapshotError("the stored configuration is cut short (a piece is missing)")
    try:
        return json.loads(text)
    except ValueError as error:
        raise SnapshotError(f"the stored configuration is not JSON ({error})") from error
