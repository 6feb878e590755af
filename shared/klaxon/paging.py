"""Paging (SPEC §3): start a page, notify each level exactly once, stop at the first acknowledgement,
drop it with a note when every level and repeat is spent.

Exactly once: a step is claimed with a conditional write on the page's step before anyone is told;
each person's direct message for that step is then sent under a claim of its own, so a sweep that dies
half-way leaves the rest to the next sweep and nobody gets the same message twice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from klaxon import handling
from klaxon.alerts import BUTTON, Alert, HandledMark
from klaxon.configuration import DEFAULT_DM_REPLY, Configuration
from klaxon.escalation import Notification, Page, alert_page_id, mention_page_id, took
from klaxon.handling import ReactionChange, ReactionEffect, show
from klaxon.ports import SlackDirectory, SlackGateway, Store

MENTION_HELP = ("Mention me with what is wrong and I page this channel's on-call, for example "
                "`@klaxon db-1 is down`.")
NOT_HERE = "Mentions of me don't page from this channel; an admin chooses where they do with " \
           "`/klaxon settings paging-channels`."
NO_POLICY = "Nobody to page: this channel has no escalation policy. An admin can set one with " \
            "`/klaxon policy use NAME in <#{channel}>`."


@dataclass(frozen=True)
class Pager:
    """What paging works with."""

    store: Store
    slack: SlackGateway
    directory: SlackDirectory
    now: datetime


def start(page: Page, pager: Pager) -> Page | None:
    """Start a page and notify its first level now; None if this page had already started."""
    if not pager.store.pages.start(page):
        return None
    return notify(page, pager)


def notify(page: Page, pager: Pager) -> Page:
    """Claim the page's next step and tell that level; if another worker claimed it, leave it to them."""
    step = page.step
    claimed = pager.store.pages.claim_step(page, page.after_notifying(step, pager.now), pager.now)
    if claimed is None:
        return page
    people = deliver(claimed, step, pager)
    pager.slack.note_in_thread(page.channel, page.ts, _paging_note(claimed, step, people))
    return pager.store.pages.finish_step(claimed.told(pager.now), step) or claimed


def deliver(page: Page, step: int, pager: Pager) -> list[str]:
    """Send one step's direct messages, each at most once however often this runs; who was paged."""
    people = _people(page.policy.level_at(step).handlers, pager.directory)
    for person in people:
        claim = f"page:{page.id}:{step}:{person}"
        if not pager.store.claims.claim(claim, pager.now):
            continue  # sent already, or being sent by an overlapping worker
        try:
            channel, ts = pager.slack.page_person(person, page, step)
        except Exception:
            pager.store.claims.release(claim)
            raise
        pager.store.pages.record_notification(page.id, Notification(step, person, channel, ts))
        pager.store.claims.complete(claim, pager.now)
    return people


def advance(pages: Iterable[Page], pager: Pager) -> int:
    """The sweep's part: finish interrupted steps, notify the next level, or end spent pages."""
    done = 0
    for page in pages:
        if not page.is_active:
            continue
        if page.sending is not None:
            deliver(page, page.sending, pager)
            pager.store.pages.finish_step(page.told(pager.now), page.sending)
        elif page.is_spent:
            ended = pager.store.pages.exhaust(page, pager.now)
            if ended is not None:
                pager.slack.note_in_thread(page.channel, page.ts, _exhausted_note(ended))
        else:
            notify(page, pager)
        done += 1
    return done


def acknowledge(page_id: str, user: str, pager: Pager) -> Page | None:
    """Stop a page at once and say so in its thread (and on every direct message); None if not active."""
    page = pager.store.pages.acknowledge(page_id, user, pager.now)
    if page is None:
        return None
    pager.slack.note_in_thread(page.channel, page.ts, f":white_check_mark: <@{user}> acknowledged after "
                                                      f"{took(page.started_at, pager.now)}; escalation stopped.")
    for notification in page.notifications:
        pager.slack.show_page_acknowledged(notification, page)
    if page.alert_id:
        show(pager.store.alerts.add_mark(page.alert_id, HandledMark(user, BUTTON, pager.now)),
             store=pager.store, slack=pager.slack)
    return page


def on_handled_reaction(change: ReactionChange, pager: Pager,
                        configuration: Callable[[], Configuration]) -> ReactionEffect:
    """A reaction: mark the alert it is on, and a handled reaction stops the page that alert or message started."""
    effect = handling.on_reaction(change, store=pager.store, slack=pager.slack, configuration=configuration)
    if change.added and effect.alert and (effect.alert.marks or effect.alert.resolved_by):
        alert_handled(effect.alert, change.user, pager)
    if change.added and effect.page_id:
        acknowledge(effect.page_id, change.user, pager)
    return effect


def press_alert_button(action: str, alert_id: str, user: str, pager: Pager) -> Alert | None:
    """The alert post's Acknowledge or Resolve button; either stops the alert's page."""
    press = handling.acknowledge if action == "acknowledge" else handling.resolve
    alert = press(alert_id, user, pager.now, store=pager.store, slack=pager.slack)
    if alert is not None:
        alert_handled(alert, user, pager)
    return alert


def alert_handled(alert: Alert, user: str, pager: Pager) -> Page | None:
    """An alert was acknowledged or resolved: stop its page, if it has one running."""
    if not alert.escalate_at:
        return None
    return acknowledge(alert_page_id(alert.id), user, pager)


def page_overdue_alerts(pager: Pager, config: Configuration, limit: int) -> int:
    """Alerts whose ack timeout ran out: page their rule's policy unless someone handled them meanwhile."""
    started = 0
    for alert_id in pager.store.pages.due_timeouts(pager.now, limit=limit):
        if not pager.store.pages.clear_timeout(alert_id, pager.now):
            continue  # an overlapping sweep took this one (or the index listed it early)
        alert = pager.store.alerts.get(alert_id)
        if alert is None or alert.marks or alert.resolved_by:
            continue
        # Notes go to the repost's thread; to the original message's while the repost waits for its channel.
        channel, ts = (alert.target_channel, str(alert.post_ts)) if alert.is_posted else \
            (alert.source_channel, alert.source_ts)
        policy = config.policies.get(alert.policy or "")
        if policy is None:
            pager.slack.note_in_thread(channel, ts, f":warning: Nobody acknowledged this, but its policy "
                                                    f"`{alert.policy}` no longer exists, so nobody was paged.")
            continue
        page = Page(id=alert_page_id(alert.id), summary=f"{alert.label} {alert.text}".strip(),
                    channel=channel, ts=ts, policy=policy, started_at=pager.now,
                    link=alert.permalink, alert_id=alert.id, next_at=pager.now)
        started += start(page, pager) is not None
    return started


@dataclass(frozen=True)
class Mention:
    """Someone mentioned Klaxon in a channel (an app_mention event)."""

    channel: str
    ts: str
    user: str
    text: str
    thread_ts: str | None = None


def on_mention(mention: Mention, bot_user_id: str | None, pager: Pager, config: Configuration) -> Page | None:
    """Page the channel's policy with what the mention says; otherwise say in the thread why not."""
    summary = _without_mention(mention.text, bot_user_id)
    root = mention.thread_ts or mention.ts
    if not summary:
        pager.slack.note_in_thread(mention.channel, root, MENTION_HELP)
        return None
    if not config.preferences.pages_from(mention.channel):
        pager.slack.note_in_thread(mention.channel, root, NOT_HERE)
        return None
    policy = config.policy_for(mention.channel)
    if policy is None:
        pager.slack.note_in_thread(mention.channel, root, NO_POLICY.format(channel=mention.channel))
        return None
    page = Page(id=mention_page_id(mention.channel, mention.ts), summary=summary, channel=mention.channel, ts=root,
                policy=policy, started_at=pager.now, started_by=mention.user, next_at=pager.now,
                link=pager.slack.permalink(mention.channel, mention.ts))
    return start(page, pager)


def answer_direct_message(channel: str, pager: Pager, config: Configuration) -> None:
    """Pages start in channels: a direct message gets the configured explanation."""
    pager.slack.say(channel, config.preferences.dm_reply or DEFAULT_DM_REPLY)


def _without_mention(text: str, bot_user_id: str | None) -> str:
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return " ".join(html.unescape(text).split())


def _people(handlers: Iterable[str], directory: SlackDirectory) -> list[str]:
    """Users to notify: user groups expanded to their members now, each person once."""
    people: list[str] = []
    for handler in handlers:
        members = sorted(directory.group_members(handler)) if handler.startswith("S") else [handler]
        people += [member for member in members if member not in people]
    return people


def _paging_note(page: Page, step: int, people: list[str]) -> str:
    whom = ", ".join(f"<@{person}>" for person in people) or "nobody (the level's groups are empty)"
    levels = len(page.policy.levels)
    round_of = f", round {step // levels + 1} of {page.policy.repeat + 1}" if page.policy.repeat else ""
    return f":rotating_light: Paging {whom} (level {page.level_number(step)} of {levels}{round_of}, " \
           f"policy `{page.policy.name}`)."


def _exhausted_note(page: Page) -> str:
    return f":no_bell: Nobody acknowledged after every level of `{page.policy.name}`" \
           f"{f' ({page.policy.repeat + 1} rounds)' if page.policy.repeat else ''}; the page is dropped."
