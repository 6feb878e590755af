"""What nobody has handled, channel by channel: the one reading behind the digests, the reminder and
`/klaxon report` (SPEC §2), so the three always say the same.

Each incidents channel's lists are read on their own - the `due` index keeps a partition per channel and
list (klaxon.dynamo.alerts.listed) - so a channel's few alerts are never crowded out by thousands elsewhere,
and each list's total is counted by the index rather than listed, so "5,000 alerts" is said when there are
5,000, while a digest lists at most LISTED of them (Slack's 50 blocks) and counts the rest.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, timedelta

from klaxon.alerts.digests import HANDLED_LOOKBACK, LISTED, Digest, Unreachable, compose
from klaxon.alerts.model import AlertListing
from klaxon.alerts.ports import AlertRepository
from klaxon.configuration.model import Preferences


def overdue_digests(alerts: AlertRepository, channels: Iterable[str], preferences: Preferences, now: datetime,
                    unreachable: Iterable[Unreachable] = ()) -> list[Digest]:
    """The digest of each of `channels` as of `now`, by channel id - except the channels Klaxon cannot post
    in, which every other digest names instead. Two or three small reads per channel."""
    cannot = list(unreachable)
    seen_before = now - timedelta(seconds=preferences.digest_after_seconds)
    digests = []
    for channel in sorted(set(channels) - {u.channel for u in cannot}):
        overdue = alerts.unacknowledged(channel, seen_before, limit=LISTED)
        handled = alerts.recently_handled(channel, now - HANDLED_LOOKBACK, limit=LISTED) \
            if preferences.verbose_digest else AlertListing()
        digests.append(compose(channel, overdue, handled, preferences, cannot))
    return digests


def open_alerts(alerts: AlertRepository, channels: Iterable[str], now: datetime, limit: int = LISTED) -> AlertListing:
    """Every alert nobody has handled yet, across `channels` (the reminder): the oldest `limit` of them and
    how many there are in all."""
    listings = [alerts.unacknowledged(channel, now, limit=limit) for channel in sorted(set(channels))]
    oldest = heapq.merge(*(listing.alerts for listing in listings), key=lambda alert: alert.first_seen)
    return AlertListing(tuple(alert for _, alert in zip(range(limit), oldest, strict=False)),
                   sum(listing.total for listing in listings))
