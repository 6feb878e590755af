"""The reconcile (SPEC §2): repairs reaction events Slack failed to deliver, within a budget of reactions.get.

State comes from events stored in DynamoDB, never from re-reading channel history (Slack allows apps
outside the Marketplace one conversations.history call a minute, 15 messages). A bounded number of
reactions.get calls per sweep compares the oldest unacknowledged alerts' marks with the reactions
Slack reports on their messages. Only message alerts are reconciled: their original and their post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from klaxon.alerts.handling import is_handled_reaction, show
from klaxon.alerts.model import BUTTON, Alert, HandledMark, reaction_via
from klaxon.events import AlertAcknowledged, Publish
from klaxon.ports import SlackBusy, SlackGateway, Store

logger = logging.getLogger("klaxon.reconcile")

MIN_TIME_LEFT_MS = 10_000  # stop reconciling with this much of the Lambda's time left

Reactions = Mapping[str, Iterable[str]]  # reaction name → users, as reactions.get reports a message's


@dataclass(frozen=True)
class Repair:
    """What the reconcile changes: marks Slack has that Klaxon missed, and marks Slack no longer has."""

    add: tuple[HandledMark, ...]
    remove: tuple[HandledMark, ...]

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


def repair(alert: Alert, seen: Mapping[tuple[str, str], Reactions], handled: Iterable[str],
           now: datetime) -> Repair:
    """Compare the alert's reaction marks with the reactions Slack reports on its messages now.

    `seen` maps each message looked at ((channel, ts) of the original and/or the post) to its reactions.
    Only those messages are compared; button marks are Klaxon's own and never repaired away.
    """
    wanted = {reaction_via(name, channel, ts): set(users)
              for (channel, ts), reactions in seen.items()
              for name, users in reactions.items() if is_handled_reaction(name, handled)}
    looked_at = {f"@{channel}/{ts}" for channel, ts in seen}
    have = {(m.user, m.via): m for m in alert.marks if m.via != BUTTON and m.via[m.via.index("@"):] in looked_at}
    want = {(user, via) for via, users in wanted.items() for user in users}
    return Repair(add=tuple(HandledMark(user, via, now) for user, via in sorted(want - set(have))),
                  remove=tuple(have[key] for key in sorted(set(have) - want)))


def apply_repair(alert: Alert, fix: Repair, *, store: Store, slack: SlackGateway, publish: Publish) -> Alert | None:
    """Record what the reconcile found, then show the alert as it now is.

    A mark it adds is a reaction someone made: it acknowledges the alert as the reaction event would have.
    """
    changed: Alert | None = alert
    for mark in fix.add:
        changed = store.alerts.add_mark(alert.id, mark)
    for mark in fix.remove:
        changed = store.alerts.remove_mark(alert.id, mark.user, mark.via)
    changed = show(changed, store=store, slack=slack)
    if fix.add and changed is not None:
        publish(AlertAcknowledged(changed, by=fix.add[0].user, at=fix.add[0].at))
    return changed


def reconcile(overdue: list[Alert], *, store: Store, slack: SlackGateway, publish: Publish, handled: Iterable[str],
              budget: int, now: datetime, time_left_ms: Callable[[], int]) -> list[Alert]:
    """Repair missed reaction events for the oldest unacknowledged alerts, at most `budget` reactions.get
    calls (and none with under MIN_TIME_LEFT_MS of the function's time left); Slack's rate limit stops it.

    Returns the overdue alerts as they are now (those found handled drop out).
    """
    repaired: dict[str, Alert | None] = {}
    for alert in overdue:
        messages = _messages(alert)
        if not messages:
            continue  # an alert from a monitoring source: its reactions are on its post alone, not repaired
        if len(messages) > budget or time_left_ms() < MIN_TIME_LEFT_MS:
            break
        try:
            seen = {message: slack.reactions(*message) for message in messages}
        except SlackBusy as busy:
            logger.warning("reconcile stopped: %s", busy)
            break
        budget -= len(messages)
        fix = repair(alert, seen, handled, now)
        if fix:
            logger.info("reconcile repaired %s: +%d -%d marks", alert.id, len(fix.add), len(fix.remove))
            repaired[alert.id] = apply_repair(alert, fix, store=store, slack=slack, publish=publish)
    current = [repaired[alert.id] if alert.id in repaired else alert for alert in overdue]
    return [alert for alert in current if alert is not None and not alert.marks and not alert.resolved_by]


def _messages(alert: Alert) -> list[tuple[str, str]]:
    """The messages whose reactions the reconcile compares: a message alert's original and its post."""
    if alert.message is None:
        return []
    found = [(alert.message.channel, alert.message.ts)]
    if alert.post_ts:
        found.append((alert.target_channel, alert.post_ts))
    return found
