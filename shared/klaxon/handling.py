"""Who handled which alert (SPEC §2): handled reactions, the Acknowledge and Resolve buttons, and the
reconcile that repairs reaction events Slack failed to deliver.

State comes from events stored in DynamoDB, never from re-reading channel history (Slack allows apps
outside the Marketplace one conversations.history call a minute, 15 messages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from klaxon.alerts import BUTTON, Alert, HandledMark, reaction_via
from klaxon.configuration import Configuration
from klaxon.ports import SlackGateway, Store

RENDER_ATTEMPTS = 3


@dataclass(frozen=True)
class ReactionChange:
    """A reaction added to or removed from a message, as Slack reported it."""

    user: str
    reaction: str
    channel: str
    ts: str
    added: bool
    at: datetime


@dataclass(frozen=True)
class ReactionEffect:
    """What a handled reaction touched: the alert it marked (as it is now), and the page it was on."""

    alert: Alert | None = None
    page_id: str | None = None


def on_reaction(change: ReactionChange, *, store: Store, slack: SlackGateway,
                configuration: Callable[[], Configuration]) -> ReactionEffect:
    """Acknowledge (or un-acknowledge) the alert a handled reaction is on, and name the page it is on.

    A reaction on any other message costs one small read: the message index lookup.
    """
    referents = store.messages.lookup(change.channel, change.ts)
    if not (referents.alert_id or referents.page_id):
        return ReactionEffect()
    if not is_handled_reaction(change.reaction, configuration().preferences.handled_reactions):
        return ReactionEffect()
    alert = None
    if referents.alert_id:
        via = reaction_via(change.reaction, change.channel, change.ts)
        if change.added:
            alert = store.alerts.add_mark(referents.alert_id, HandledMark(change.user, via, change.at))
        else:
            alert = store.alerts.remove_mark(referents.alert_id, change.user, via)
        alert = show(alert, store=store, slack=slack)
    return ReactionEffect(alert=alert, page_id=referents.page_id)


def is_handled_reaction(reaction: str, handled: Iterable[str]) -> bool:
    """Whether a reaction, as Slack names it in events and reactions.get, is one of the handled reactions.

    A skin tone does not change what a reaction means: Slack names `:+1:` in a skin tone `+1::skin-tone-3`
    (the base name, then `::` and the modifier), and it counts as `+1`, when added and when removed.
    """
    return reaction_name(reaction) in {reaction_name(name) for name in handled}


def reaction_name(reaction: str) -> str:
    """A reaction's name without its skin-tone modifier: `+1::skin-tone-3` → `+1`."""
    return reaction.split("::", 1)[0]


def acknowledge(alert_id: str, user: str, at: datetime, *, store: Store, slack: SlackGateway) -> Alert | None:
    """The Acknowledge button."""
    return show(store.alerts.add_mark(alert_id, HandledMark(user, BUTTON, at)), store=store, slack=slack)


def resolve(alert_id: str, user: str, at: datetime, *, store: Store, slack: SlackGateway) -> Alert | None:
    """The Resolve button."""
    return show(store.alerts.resolve(alert_id, user, at), store=store, slack=slack)


def show(alert: Alert | None, *, store: Store, slack: SlackGateway) -> Alert | None:
    """Update the alert's post to its state; again if a racing change landed while this one was drawn."""
    for _ in range(RENDER_ATTEMPTS):
        if alert is None or not alert.is_posted:
            return alert
        slack.update_alert(alert)
        latest = store.alerts.get(alert.id)
        if latest is None or latest.revision <= alert.revision:
            return alert
        alert = latest
    return alert


# ---------------------------------------------------------------------- reconcile
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


def apply_repair(alert: Alert, fix: Repair, *, store: Store, slack: SlackGateway) -> Alert | None:
    """Record what the reconcile found, then show the alert as it now is."""
    changed: Alert | None = alert
    for mark in fix.add:
        changed = store.alerts.add_mark(alert.id, mark)
    for mark in fix.remove:
        changed = store.alerts.remove_mark(alert.id, mark.user, mark.via)
    return show(changed, store=store, slack=slack)
