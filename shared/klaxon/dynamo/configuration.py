"""The configuration partition: every rule, channel default and preference under one key.

    CONFIG / VERSION          the version every edit bumps in the same transaction as its change
    CONFIG / RULE#<id>        a rule and its position in the order
    CONFIG / CHANNEL#<id>     a watched channel's default for unmatched messages
    CONFIG / PREFERENCES      workspace preferences

Loading is one Query of one partition; revalidating is one GetItem of the VERSION item.
"""

from __future__ import annotations

from klaxon.configuration import ChannelDefault, Configuration, Preferences
from klaxon.dynamo.table import Item, Table
from klaxon.rules import Rule

CONFIG_PK = "CONFIG"


class DynamoConfiguration:
    def __init__(self, table: Table) -> None:
        self._table = table

    def version(self) -> int:
        item = self._table.get(CONFIG_PK, "VERSION", consistent=True)
        return int(item["version"]) if item else 0

    def load(self) -> Configuration:
        # The version is read first: if an edit lands during the Query, the snapshot is tagged with the
        # older version and the next revalidation reloads it.
        version = self.version()
        items = self._table.query(CONFIG_PK, consistent=True)
        return Configuration(
            version=version,
            rules=tuple(Rule.from_record(i["rule"]) for i in sorted(_kind(items, "RULE#"), key=_position)),
            channel_defaults={i["sk"].removeprefix("CHANNEL#"): ChannelDefault(i["default"])
                              for i in _kind(items, "CHANNEL#")},
            preferences=_preferences(next(iter(_kind(items, "PREFERENCES")), None)),
        )


def _kind(items: list[Item], prefix: str) -> list[Item]:
    return [item for item in items if item["sk"].startswith(prefix)]


def _position(item: Item) -> tuple[float, str]:
    return (float(item["position"]), item["sk"])


def _preferences(item: Item | None) -> Preferences:
    if item is None:
        return Preferences()
    defaults = Preferences()
    return Preferences(
        handled_reactions=tuple(item.get("handled_reactions") or defaults.handled_reactions),
        grouping_window_seconds=int(item.get("grouping_window_seconds", defaults.grouping_window_seconds)),
    )
