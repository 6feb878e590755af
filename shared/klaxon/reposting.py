"""Reposting an alert exactly once, and leaving none behind (SPEC §1, §8).

A recorded alert is posted under a claim of its own, so two workers that both find it unposted (two edits
of one message delivered at once, a retry racing the original) post it once. An alert whose worker died
before posting it, or whose channel Klaxon cannot post in, stays in the store's `unposted` index and the
sweep posts it later - once Klaxon is invited, the alerts that waited for the channel appear there.

A channel Klaxon cannot post in (private and Klaxon not invited, archived, not joinable; a public one it
simply is not in is joined) is told to the admins: in the audit trail, once a day per channel, and in
every other incidents channel's digest while alerts wait for it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from klaxon.alerts import Alert
from klaxon.configuration import AuditEntry
from klaxon.digests import Unreachable
from klaxon.ports import ChannelUnreachable, SlackBusy, SlackGateway, Store

logger = logging.getLogger("klaxon.reposting")

# The worker that records an alert posts it within seconds; the sweep leaves it that long first.
POSTING_GRACE = timedelta(minutes=1)
KLAXON = "klaxon"  # who the audit trail says noticed what Klaxon itself ran into


def post_once(alert: Alert, *, store: Store, slack: SlackGateway, now: datetime,
              found: Mapping[str, str] | None = None) -> Alert:
    """Post a recorded alert unless another worker is at it; the alert as it now is (unposted if not posted).

    `found`: reposts Slack has although Klaxon never heard back (alert id → ts): such an alert's post is
    recorded, not made again. Raises ChannelUnreachable, once noted for the admins, when Klaxon cannot post
    in its channel.
    """
    # The link to the original first: a call that fails here has claimed nothing.
    alert = replace(alert, permalink=alert.permalink or slack.permalink(alert.source_channel, alert.source_ts))
    claim = f"post:{alert.id}"
    if not store.claims.claim(claim, now):
        return alert  # another worker is posting it; should it die, the sweep posts it
    try:
        post_ts = (found or {}).get(alert.id) or slack.post_alert(alert)
    except ChannelUnreachable as unreachable:
        store.claims.release(claim)
        note_unreachable(unreachable, store=store, now=now)
        raise
    except TimeoutError:
        # Slack was too slow to answer and the post was not found (it may still be making it): keep the
        # claim until its lease runs out, so nobody posts it meanwhile; the sweep then looks before posting.
        raise
    except Exception:
        store.claims.release(claim)
        raise
    # Slack has the post: from here the claim is kept even if recording fails, so nobody posts it again
    # before the claim's lease runs out.
    posted = store.alerts.record_post(alert, post_ts, alert.permalink)
    store.claims.complete(claim, now)
    return posted


def post_waiting(store: Store, slack: SlackGateway, now: datetime, limit: int) -> tuple[int, list[Unreachable]]:
    """The sweep's part: post alerts left unposted; how many were posted, and the channels that still wait.

    An earlier attempt may have reached Slack, so each channel's newest posts are looked at first - once
    per channel per sweep (Slack allows few such looks). One try per unreachable channel per sweep: its
    other alerts wait without a call to Slack.
    """
    waiting = store.alerts.unposted(recorded_before=now - POSTING_GRACE, limit=limit)
    reasons: dict[str, str] = {}
    looked: dict[str, Mapping[str, str] | None] = {}
    posted = 0
    for alert in waiting:
        channel = alert.target_channel
        if channel in reasons:
            continue
        if channel not in looked:
            looked[channel] = _recent_posts(slack, channel)
        if looked[channel] is None:
            continue  # the look was refused: try the channel again next sweep rather than post twice
        try:
            posted += post_once(alert, store=store, slack=slack, now=now, found=looked[channel]).is_posted
        except ChannelUnreachable as unreachable:
            reasons[channel] = unreachable.reason
    counts = Counter(alert.target_channel for alert in waiting if alert.target_channel in reasons)
    return posted, [Unreachable(channel, reason, counts[channel]) for channel, reason in sorted(reasons.items())]


def _recent_posts(slack: SlackGateway, channel: str) -> Mapping[str, str] | None:
    """The channel's recent reposts by alert id; None if Slack would not show them now."""
    try:
        return slack.recent_alert_posts(channel)
    except SlackBusy as busy:
        logger.warning("waiting alerts not posted this sweep: %s", busy)
        return None


def note_unreachable(unreachable: ChannelUnreachable, *, store: Store, now: datetime) -> None:
    """Tell the admins in the audit trail, at most once a day per channel (the claim lives a day)."""
    claim = f"unreachable:{unreachable.channel}"
    if not store.claims.claim(claim, now):
        return
    store.configuration.note(AuditEntry(
        actor=KLAXON, at=now, action="cannot post",
        summary=f"Klaxon cannot post in <#{unreachable.channel}> ({unreachable.reason}): invite it there with "
                "`/invite @klaxon`. Until then the alerts for that channel wait, listed in the other "
                "channels' digests, and are posted once it can."))
    store.claims.complete(claim, now)
