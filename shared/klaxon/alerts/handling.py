"""Who handled which alert (SPEC §2): handled reactions, and the Acknowledge and Resolve buttons.

State comes from events stored in DynamoDB, never from re-reading channel history (Slack allows apps
outside the Marketplace one conversations.history call a minute, 15 messages). Acknowledging or resolving
tells the other features (AlertAcknowledged, AlertResolved): paging stops the alert's page. They are told as
soon as the mark is stored, before the post is redrawn: a redraw Slack keeps refusing (retried by Lambda, then
dead-lettered) must not keep paging people about an alert someone acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from klaxon.alerts.model import BUTTON, SOURCE_ACTOR_PREFIX, Alert, HandledMark, reaction_via
from klaxon.configuration.model import Configuration
from klaxon.correlation import about
from klaxon.events import AlertAcknowledged, AlertResolved, PageAcknowledged, Publish
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
                configuration: Callable[[], Configuration], publish: Publish) -> ReactionEffect:
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
        with about(alert_id=referents.alert_id, page_id=referents.page_id):
            alert = _mark(referents.alert_id, change, store=store, slack=slack, publish=publish)
    return ReactionEffect(alert=alert, page_id=referents.page_id)


def _mark(alert_id: str, change: ReactionChange, *, store: Store, slack: SlackGateway,
          publish: Publish) -> Alert | None:
    """Add (or take away) a handled reaction's mark on the alert, redraw its post, and tell who acknowledged it."""
    via = reaction_via(change.reaction, change.channel, change.ts)
    if change.added:
        alert = store.alerts.add_mark(alert_id, HandledMark(change.user, via, change.at))
        if alert is not None:  # told before the post is redrawn: a redraw Slack refuses loses no acknowledgement
            publish(AlertAcknowledged(alert, by=change.user, at=change.at))
    else:
        alert = store.alerts.remove_mark(alert_id, change.user, via)
    return show(alert, store=store, slack=slack)


def is_handled_reaction(reaction: str, handled: Iterable[str]) -> bool:
    """Whether a reaction, as Slack names it in events and reactions.get, is one of the handled reactions.

    A skin tone does not change what a reaction means: Slack names `:+1:` in a skin tone `+1::skin-tone-3`
    (the base name, then `::` and the modifier), and it counts as `+1`, when added and when removed.
    """
    return reaction_name(reaction) in {reaction_name(name) for name in handled}


def reaction_name(reaction: str) -> str:
    """A reaction's name without its skin-tone modifier: `+1::skin-tone-3` → `+1`."""
    return reaction.split("::", 1)[0]


def acknowledge(alert_id: str, user: str, at: datetime, *, store: Store, slack: SlackGateway,
                publish: Publish) -> Alert | None:
    """The Acknowledge button (or an acknowledged page of the alert); None if there is no such alert."""
    with about(alert_id=alert_id):
        alert = store.alerts.add_mark(alert_id, HandledMark(user, BUTTON, at))
        if alert is not None:
            publish(AlertAcknowledged(alert, by=user, at=at))
        return show(alert, store=store, slack=slack)


def resolve(alert_id: str, user: str, at: datetime, *, store: Store, slack: SlackGateway,
            publish: Publish) -> Alert | None:
    """The Resolve button; None if there is no such alert."""
    with about(alert_id=alert_id):
        alert = store.alerts.resolve(alert_id, user, at)
        if alert is not None:
            publish(AlertResolved(alert, by=user, at=at))
        return show(alert, store=store, slack=slack)


def acknowledge_paged_alert(event: PageAcknowledged, *, store: Store, slack: SlackGateway,
                            publish: Publish) -> None:
    """A subscriber: whoever acknowledges a page an alert started has acknowledged the alert too.

    Not when the alert's own source resolved it (that stopped the page): nobody clicked anything.
    """
    if event.page.alert_id and not event.by.startswith(SOURCE_ACTOR_PREFIX):
        acknowledge(event.page.alert_id, event.by, event.at, store=store, slack=slack, publish=publish)


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
