"""Alert storms (SPEC §7: a thousand repeats a minute are a normal condition, not an edge case).

Every repeat is counted, exactly, and its alert's post is redrawn at most once per REDRAW_EVERY, however fast
repeats arrive: Slack allows `chat.update` about 50 times a minute (Tier 3), and a post redrawn for every repeat
would spend a workspace's budget on one alert.

- A repeat costs one item write and no transaction on a hot item: a message's index item (put once, which is
  what makes a redelivery count once) is also a sighting of its alert in the `history` index, and the alert's
  count is how many sightings there are; a source's repeat adds one to its key's state (klaxon.dynamo.alerts).
  The alert item itself is written only when its post is redrawn.
- Whoever counts a repeat when no redraw is taken takes it (one conditional write on the alert: the count and
  last seen to draw, and the redraw taken until REDRAW_EVERY on) and draws it; repeats meanwhile are counted
  and not drawn. Every redraw leaves a trailing redraw due when it ends, and so does a repeat of an alert not
  posted yet: the sweep draws the last count then (within a minute), and forgets the trailing redraw once
  nothing new came for SETTLED. So the final count is always shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from klaxon.alerts.model import Alert
from klaxon.ports import SlackGateway, Store

REDRAW_EVERY = timedelta(seconds=5)  # at most 12 redraws a minute per alert, and a trailing one
# A trailing redraw with nothing new to draw is forgotten this long after it came due: any repeat that saw the
# redraw taken has been written by then (the functions time out within 30 s), and was counted.
SETTLED = timedelta(minutes=2)


def redraw_repeat(alert: Alert, *, store: Store, slack: SlackGateway, now: datetime) -> Alert:
    """Draw a repeat's new count on the alert's post unless a redraw is taken; the alert as drawn (or as given).

    A repeat of an alert whose post is still being made leaves a trailing redraw: the post may show the count
    from before it.
    """
    if not alert.is_posted:
        store.alerts.trail_redraw(alert.id, now)
        return alert
    if alert.redraw_after is not None and alert.redraw_after > now:
        return alert  # drawn a moment ago: the redraw that was taken left a trailing one
    claimed = store.alerts.claim_redraw(alert.id, now, until=now + REDRAW_EVERY)
    if claimed is None:
        return alert  # another worker took it just now
    slack.update_alert(claimed)
    return claimed


def draw_trailing(*, store: Store, slack: SlackGateway, now: datetime, limit: int) -> int:
    """The sweep's part: draw the last count of each alert whose trailing redraw has come, if it changed since
    it was drawn; how many posts were redrawn."""
    drawn = 0
    for alert_id in store.alerts.trailing_redraws(now, limit=limit):
        claimed = store.alerts.claim_redraw(alert_id, now, until=now + REDRAW_EVERY, changed_only=True)
        if claimed is None:  # nothing new (or a redraw holds, and left a later trailing one)
            store.alerts.drop_redraw(alert_id, due_by=now - SETTLED)
        elif claimed.is_posted:
            slack.update_alert(claimed)
            drawn += 1
    return drawn
