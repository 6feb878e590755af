"""Paging (SPEC §3): start a page, notify each level exactly once, stop at the first acknowledgement,
drop it with a note when every level and repeat is spent.

Exactly once: a step is claimed with a conditional write on the page's step before anyone is told;
each person's direct message for that step is then sent under a claim of its own, so a sweep that dies
half-way leaves the rest to the next sweep and nobody gets the same message twice.

Paging reacts to alerts through events: an alert acknowledged or resolved (by a person or its source)
stops the page it started (`stop_alert_page`); paging tells the others PageStarted, PageAcknowledged
and PageEnded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from klaxon.alerts.model import Alert
from klaxon.configuration.model import Configuration
from klaxon.correlation import about
from klaxon.events import (
    AlertAcknowledged,
    AlertResolved,
    LevelNotified,
    PageAcknowledged,
    PageEnded,
    PageStarted,
    Publish,
)
from klaxon.paging.policies import LevelReached, NoPage, Notification, Page, alert_page_id, mention_page_id
from klaxon.ports import PersonUnreachable, SlackDirectory, SlackGateway, Store
from klaxon.silences.model import Silencer


@dataclass(frozen=True)
class Pager:
    """What paging works with."""

    store: Store
    slack: SlackGateway
    directory: SlackDirectory
    now: datetime
    publish: Publish


def start(page: Page, pager: Pager) -> Page | None:
    """Start a page and notify its first level now; None if this page had already started."""
    with about(page_id=page.id, alert_id=page.alert_id):
        if not pager.store.pages.start(page):
            return None
        started = notify(page, pager)
        pager.publish(PageStarted(started))
        return started


type Note = tuple[Page, int, LevelReached]
"""A thread note still to say: the page, its step, and whom the step notified."""


def notify(page: Page, pager: Pager, notes: list[Note] | None = None) -> Page:
    """Claim the page's next step and tell that level; if another worker claimed it, leave it to them.

    The thread note saying whom it paged is said at once, or added to `notes` for the caller to say later.
    """
    step = page.step
    claimed = pager.store.pages.claim_step(page, page.after_notifying(step, pager.now), pager.now)
    if claimed is None:
        return page
    reached = deliver(claimed, step, pager)
    pager.publish(LevelNotified(claimed, step, reached.paged))
    if notes is None:
        pager.slack.tell_paging(claimed, step, reached)
    else:
        notes.append((claimed, step, reached))
    return pager.store.pages.finish_step(claimed.told(pager.now), step) or claimed


def deliver(page: Page, step: int, pager: Pager) -> LevelReached:
    """Send one step's direct messages, each at most once however often this runs; who was paged, and whom
    Slack would not let Klaxon message (someone who left, a bot): they are skipped - for good, as asking again
    changes nothing - so the rest of the level is paged and the page goes on escalating."""
    people = _people(page.policy.level_at(step).handlers, pager.directory)
    refused: list[tuple[str, str]] = []
    for person in people:
        claim = f"page:{page.id}:{step}:{person}"
        if not pager.store.claims.claim(claim, pager.now):
            continue  # sent already, or being sent by an overlapping worker
        try:
            channel = direct_message_channel(person, pager)
            ts = pager.slack.page_person(person, channel, page, step)
        except PersonUnreachable as unreachable:
            refused.append((person, unreachable.reason))
            pager.store.claims.complete(claim, pager.now)
            continue
        except Exception:
            pager.store.claims.release(claim)
            raise
        pager.store.pages.record_notification(page.id, Notification(step, person, channel, ts))
        pager.store.claims.complete(claim, pager.now)
    left_out = {person for person, _ in refused}
    return LevelReached(tuple(person for person in people if person not in left_out), tuple(refused))


def direct_message_channel(person: str, pager: Pager) -> str:
    """The person's direct-message channel: remembered (DynamoDB, for every container), else opened once
    and remembered, so a sweep with many pages due does not spend conversations.open's budget again."""
    channel = pager.store.people.dm_channel(person)
    if channel is None:
        channel = pager.slack.open_direct_message(person)
        pager.store.people.remember_dm_channel(person, channel)
    return channel


def advance(pages: Iterable[Page], pager: Pager) -> int:
    """The sweep's part: finish interrupted steps, notify the next level, or end spent pages.

    People first: the thread notes of the steps wait until every due page's messages are out. Many pages
    due at once are often threads of one channel, where Slack takes about one message a second
    (chat.postMessage's per-channel limit): said in between, a hundred notes would make the last page's
    people a hundred seconds late.
    """
    done = 0
    notes: list[Note] = []
    for page in pages:
        if not page.is_active:
            continue
        with about(page_id=page.id, alert_id=page.alert_id):
            _step(page, pager, notes)
        done += 1
    for page, step, reached in notes:
        pager.slack.tell_paging(page, step, reached)
    return done


def _step(page: Page, pager: Pager, notes: list[Note]) -> None:
    """One due page's next move: finish an interrupted step, end it when spent, or notify the next level (its
    thread note added to `notes`)."""
    if page.sending is not None:
        deliver(page, page.sending, pager)
        pager.store.pages.finish_step(page.told(pager.now), page.sending)
    elif page.is_spent:
        ended = pager.store.pages.exhaust(page, pager.now)
        if ended is not None:
            pager.slack.tell_page_dropped(ended)
            pager.publish(PageEnded(ended))
    else:
        notify(page, pager, notes)


def acknowledge(page_id: str, user: str, pager: Pager) -> Page | None:
    """Stop a page at once and say so in its thread (and on every direct message); None if not active.

    `user` is a person, or webhook:<source> when the alert's source resolved it.
    """
    with about(page_id=page_id):
        page = pager.store.pages.acknowledge(page_id, user, pager.now)
        if page is None:
            return None
        pager.slack.tell_page_acknowledged(page)
        for notification in page.notifications:
            pager.slack.show_page_acknowledged(notification, page)
        pager.publish(PageAcknowledged(page, by=user, at=pager.now))
        return page


def stop_alert_page(event: AlertAcknowledged | AlertResolved, pager: Pager) -> Page | None:
    """A subscriber: an alert was acknowledged or resolved - stop its page, if it has one running."""
    if not event.alert.escalate_at:
        return None  # its rule names no policy: it never had a page
    return acknowledge(alert_page_id(event.alert.id), event.by, pager)


def page_overdue_alerts(pager: Pager, config: Configuration, limit: int, unreachable: Collection[str] = ()) -> int:
    """Alerts whose ack timeout ran out: page their rule's (or source's) policy unless someone handled them
    meanwhile, or a silence (a host mute, say) set since they were posted covers them now - then the thread
    says why not.

    An alert not posted yet pages from its original message's thread; a source's alert, which has none, waits
    for its post - unless its channel cannot be reached (`unreachable`: the channels the sweep could not post
    in), when it pages without a thread.
    """
    started = 0
    silences = Silencer(pager.store.silences.all)  # read only if an alert is due
    for alert_id in pager.store.pages.due_timeouts(pager.now, limit=limit):
        with about(alert_id=alert_id):
            started += _page_overdue(alert_id, pager, config, silences, unreachable)
    return started


def _page_overdue(alert_id: str, pager: Pager, config: Configuration, silences: Silencer,
                  unreachable: Collection[str]) -> bool:
    """Page one alert whose ack timeout ran out, if it still needs it; whether a page started."""
    alert = pager.store.alerts.get(alert_id)
    if alert is not None and _waits_for_its_post(alert, unreachable):
        return False  # a source's alert not posted yet (a webhook storm's tail): it pages once it shows
    if not pager.store.pages.clear_timeout(alert_id, pager.now):
        return False  # an overlapping sweep took this one (or the index listed it early)
    if alert is None or alert.marks or alert.resolved_by:
        return False
    silence = silences.silencing(alert, pager.now)
    if silence is not None:
        pager.slack.tell_page_silenced(alert, silence)
        return False
    # Notes go to the post's thread, to the original message's while the post waits, or nowhere (ts "").
    channel, ts = alert.thread or (alert.target_channel, "")
    policy = config.policies.get(alert.policy or "")
    if policy is None:
        pager.slack.tell_policy_missing(alert)
        return False
    page = Page(id=alert_page_id(alert.id), summary=f"{alert.label} {alert.text}".strip(),
                channel=channel, ts=ts, policy=policy, started_at=pager.now,
                link=alert.link, alert_id=alert.id, next_at=pager.now)
    return start(page, pager) is not None


def _waits_for_its_post(alert: Alert, unreachable: Collection[str]) -> bool:
    """An unhandled alert with no thread to page from yet, whose post is still on its way."""
    return alert.thread is None and not (alert.marks or alert.resolved_by) and alert.target_channel not in unreachable


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
        pager.slack.tell_no_page(mention.channel, root, NoPage.NOTHING_SAID)
        return None
    if not config.preferences.pages_from(mention.channel):
        pager.slack.tell_no_page(mention.channel, root, NoPage.NOT_HERE)
        return None
    policy = config.policy_for(mention.channel)
    if policy is None:
        pager.slack.tell_no_page(mention.channel, root, NoPage.NO_POLICY)
        return None
    page = Page(id=mention_page_id(mention.channel, mention.ts), summary=summary, channel=mention.channel, ts=root,
                policy=policy, started_at=pager.now, started_by=mention.user, next_at=pager.now,
                link=pager.slack.permalink(mention.channel, mention.ts))
    return start(page, pager)


def answer_direct_message(channel: str, pager: Pager, config: Configuration) -> None:
    """Pages start in channels: a direct message gets the configured explanation."""
    pager.slack.answer_direct_message(channel, config.preferences.dm_reply)


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
