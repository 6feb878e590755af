"""Posting each alert exactly once, and leaving none behind (SPEC §1, §5, §8).

Every alert to post - a watched channel's message, a monitoring source's event - is recorded together with
a posting lease held by whoever recorded it and a marker in the `due` index that comes due when the lease
runs out (klaxon.dynamo.alerts). Whoever else would post it - a redelivery, a source's repeat, the sweep -
takes the lease first, once it has run out; recording the post ends both. So two workers never both post
an alert, and an alert whose worker died, ran out of time, or met a channel Klaxon cannot post in stays
due, and the sweep posts it.

When Slack answers a post too late to know whether it made it (a timeout), the lease is kept until it runs
out, and the sweep looks among the channel's newest messages for the post's tag before posting again.

A channel Klaxon cannot post in (private and Klaxon not invited, archived, not joinable; a public one it
simply is not in is joined) is told to the admins: in the audit trail, once a day per channel, and in
every other incidents channel's digest while alerts wait for it. Its alerts are tried again every sweep,
and posted within a minute of Klaxon being invited.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from klaxon.alerts.digests import Unreachable
from klaxon.alerts.model import Alert
from klaxon.configuration.model import AuditEntry
from klaxon.correlation import about
from klaxon.events import AlertRaised, Publish
from klaxon.ports import ChannelUnreachable, SlackBusy, SlackGateway, Store

logger = logging.getLogger("klaxon.alerts.posting")

RETRY = timedelta(minutes=1)  # an alert whose channel cannot be reached is tried again the next sweep
POSTING_RESERVE_MS = 5_000  # alerts are posted while the function has more time left than this
KLAXON = "klaxon"  # who the audit trail says noticed what Klaxon itself ran into


def post_once(alert: Alert, *, store: Store, slack: SlackGateway, publish: Publish, now: datetime,
              leased: bool = False, found: Mapping[str, str] | None = None) -> Alert:
    """Post a recorded alert unless another worker is at it; the alert as it now is (unposted if not posted).

    `leased`: the caller holds the posting lease (it recorded the alert just now); otherwise it is taken
    first. `found`: reposts Slack has although Klaxon never heard back (alert id → ts): such an alert's
    post is recorded, not made again. AlertRaised once it shows. Raises ChannelUnreachable, once noted for
    the admins, when Klaxon cannot post in its channel; the alert then waits for the sweep.
    """
    if not leased and not store.alerts.claim_posting(alert.id, now):
        return alert  # another worker is posting it; should it die, the sweep posts it
    try:
        alert = _linked(alert, slack)
    except Exception:  # nothing was posted: the next worker (or the sweep) need not wait for the lease
        store.alerts.release_posting(alert.id, retry_at=now)
        raise
    try:
        post_ts = (found or {}).get(alert.id) or slack.post_alert(alert)
    except ChannelUnreachable as unreachable:
        store.alerts.release_posting(alert.id, retry_at=now + RETRY)
        note_unreachable(unreachable, store=store, now=now)
        raise
    except TimeoutError:
        # Slack was too slow to answer and the post was not found (it may still be making it): the lease is
        # kept until it runs out, so nobody posts it meanwhile; the sweep then looks before posting.
        raise
    except Exception:
        store.alerts.release_posting(alert.id, retry_at=now)
        raise
    # Slack has the post: from here the lease is kept even if recording fails, so nobody posts it again
    # before the lease runs out (and the sweep then finds the post by its tag).
    posted = store.alerts.record_post(alert, post_ts)
    store.digests.enlist(alert.target_channel)  # its channel's digest is read every sweep from now on
    publish(AlertRaised(posted))
    return posted


def _linked(alert: Alert, slack: SlackGateway) -> Alert:
    """A message alert with the link to its original (asked of Slack once, before its post)."""
    message = alert.message
    if message is None or message.permalink:
        return alert
    return alert.with_permalink(slack.permalink(message.channel, message.ts))


def post_waiting(*, store: Store, slack: SlackGateway, publish: Publish, now: datetime, limit: int,
                 time_left_ms: Callable[[], int]) -> tuple[int, list[Unreachable]]:
    """The sweep's part: post the alerts left unposted whose lease ran out; how many were posted, and the
    channels Klaxon could not post in (with how many alerts wait for each).

    An earlier attempt may have reached Slack, so each channel's newest posts are looked at first - once
    per channel per sweep (Slack allows few such looks). One try per unreachable channel per sweep: its
    other alerts wait for the next sweep without a call to Slack.
    """
    waiting = store.alerts.unposted(now, limit=limit)
    reasons: dict[str, str] = {}
    looked: dict[str, Mapping[str, str] | None] = {}
    posted = 0
    for alert in waiting:
        channel = alert.target_channel
        if channel in reasons:
            store.alerts.release_posting(alert.id, retry_at=now + RETRY)  # behind the alerts that can be posted
            continue
        if time_left_ms() < POSTING_RESERVE_MS:
            break
        if channel not in looked:
            looked[channel] = _recent_posts(slack, channel)
        if looked[channel] is None:
            continue  # the look was refused: try the channel again next sweep rather than post twice
        try:
            with about(alert_id=alert.id):
                posted += post_once(alert, store=store, slack=slack, publish=publish, now=now,
                                    found=looked[channel]).is_posted
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
                "`/invite @klaxon`. Until then what it would post there waits, listed in the other "
                "channels' digests, and is posted once it can."))
    store.claims.complete(claim, now)
