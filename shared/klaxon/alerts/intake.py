"""The one intake for every alert (SPEC §1, §5): a watched channel's message or a monitoring source's event.

Each goes through the same steps:

1. judge: the rules (first match wins) on the message's gathered text, or on the source's title, text
   and labels; rules may be scoped to channels, to posters, or to a source (`from webhook:generic`);
2. silences: an explicit step asking the SilenceCheck port whether the alert is silenced - recorded,
   then neither posted nor paged;
3. group and record exactly once: repeats of a message alert share its masked text (the fingerprint)
   within the grouping window; a source's events share its dedup key (klaxon.alerts.lifecycle);
4. post the alert exactly once (klaxon.alerts.posting: what cannot be posted now waits for the sweep), or
   update the post of the alert a repeat, a reopen or a resolve changed;
5. page: an alert whose rule names a policy is stored with its ack timer (the sweep pages when it runs
   out), and the domain events told to the message bus let paging stop the page when it is handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from klaxon.alerts.external import ExternalEvent
from klaxon.alerts.gathering import truncate
from klaxon.alerts.handling import show
from klaxon.alerts.judging import Identity, Judgement, Verdict, judge, judge_external
from klaxon.alerts.lifecycle import Change, key_hash
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.model import Alert, ExternalOrigin, SlackMessageOrigin, alert_id
from klaxon.alerts.ports import Applied, Arrival, Raised, RaiseOutcome, SilenceCheck
from klaxon.alerts.posting import POSTING_RESERVE_MS, post_once
from klaxon.alerts.storms import REDRAW_EVERY, redraw_repeat
from klaxon.configuration.model import Configuration
from klaxon.correlation import about
from klaxon.events import AlertRaised, AlertReopened, AlertRepeated, AlertResolved, Publish
from klaxon.ports import ChannelUnreachable, SlackGateway, Store
from klaxon.rules import Rule
from klaxon.rules.grouping import fingerprint

logger = logging.getLogger("klaxon.alerts.intake")

DEFAULT_ACK_TIMEOUT_SECONDS = 300  # a rule that names a policy without an ack-timeout pages after 5 minutes
# What an alert keeps of its text: more than its post shows (Slack's 3,000-character section), and at most
# 40 KB of UTF-8, far inside DynamoDB's 400 KB item (every update is billed by item size).
MAX_ALERT_TEXT = 10_000
ALERT_CUT_NOTE = " (cut: the original message has it all)"


@dataclass(frozen=True)
class Intake:
    """What the intake works with, for one delivery (a Slack event, a webhook request)."""

    store: Store
    slack: SlackGateway
    config: Configuration
    me: Identity
    silences: SilenceCheck
    publish: Publish
    now: datetime
    time_left_ms: Callable[[], int] = field(default=lambda: 60_000)  # the Lambda context's remaining time

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.config.preferences.grouping_window_seconds)


@dataclass(frozen=True)
class Taken:
    """What became of one source event: the judgement (firing events only), the change, and its alert."""

    event: ExternalEvent
    judgement: Judgement | None
    change: Change | None  # None: the rules suppressed it or had nowhere to post it
    alert: Alert | None


# ---------------------------------------------------------------------- messages
def take_message(message: ChannelMessage, intake: Intake) -> Judgement:
    """Judge a channel message and carry the judgement out: repost, count a repeat, or mark it handled.

    An incident's comms channel is never watched (its people talk about the incident, they do not alert).
    """
    judgement = judge(message, intake.config, intake.me, intake.now)
    if judgement.verdict is not Verdict.IGNORE and intake.store.incidents.in_channel(message.channel):
        # Asked only of a message that would do something: most messages cost no read at all.
        judgement = Judgement(Verdict.IGNORE, "an incident's comms channel is never watched")
    if judgement.verdict is Verdict.ALERT:
        _raise_from_message(message, judgement, intake)
    elif judgement.verdict in (Verdict.SUPPRESS, Verdict.MARK_HANDLED):
        intake.slack.mark_handled(message.channel, message.ts, intake.config.preferences.handled_reaction)
    return judgement


def _raise_from_message(message: ChannelMessage, judgement: Judgement, intake: Intake) -> Alert:
    """Record the alert exactly once, then post it, or update its group's post with the new count.

    Its times are the message's (`message.moment(now)`): first seen when said, grouped with repeats said
    within the grouping window, and (when its rule names a policy) paging an ack timeout after it was said,
    so a late delivery neither starts a new group nor puts the page off.
    """
    rule = judgement.rule
    group_key = rule.id if rule else f"default:{message.channel}"
    said_at = message.moment(intake.now)
    origin = SlackMessageOrigin(channel=message.channel, ts=message.ts, poster=message.poster,
                                poster_name=message.poster_name, bot_id=message.bot_id)
    label = rule.label if rule else intake.config.preferences.unmatched_label
    candidate = _silenced(_draft(alert_id(message.channel, message.ts), origin, message.text, label, judgement,
                                 fingerprint(group_key, message.plain_text), said_at), intake)
    raised = intake.store.alerts.raise_alert(candidate, group_until=said_at + intake.window, now=intake.now)
    with about(alert_id=raised.alert.id):
        return _show_raised(raised, candidate, intake)


def _show_raised(raised: Raised, candidate: Alert, intake: Intake) -> Alert:
    """Tell the others what recording the message did, then post the alert or redraw its group's post."""
    alert = raised.alert
    if raised.outcome is RaiseOutcome.GROUPED:
        intake.publish(AlertRepeated(alert))
    if alert.silenced_by:
        if raised.outcome is RaiseOutcome.NEW:
            intake.publish(AlertRaised(alert))
        return alert
    if not alert.is_posted and alert.id == candidate.id and alert.text == candidate.text:
        # New (this worker holds its posting lease), or recorded by an earlier attempt at this delivery that
        # failed before posting: post it now, once. Another delivery for the same message (an edit racing the
        # original, or a second edit) finds other text, and leaves the post to the worker that recorded the
        # alert (or, should it die, to the sweep).
        try:
            posted = post_once(alert, store=intake.store, slack=intake.slack, publish=intake.publish,
                               now=intake.now, leased=raised.outcome is RaiseOutcome.NEW)
        except ChannelUnreachable:
            return alert  # it waits, told to the admins; the sweep posts it once Klaxon can
        return _caught_up(posted, intake) if posted.is_posted else posted
    if raised.outcome is RaiseOutcome.GROUPED:
        return redraw_repeat(alert, store=intake.store, slack=intake.slack, now=intake.now)
    return alert


def _caught_up(posted: Alert, intake: Intake) -> Alert:
    """The post as the alert is now: a repeat counted (or a mark made) while it was being posted found no
    post to update, so the poster draws it at once (a repeat counted after this look is drawn by the sweep's
    trailing redraw, klaxon.alerts.storms)."""
    counted = intake.store.alerts.claim_redraw(posted.id, intake.now, until=intake.now + REDRAW_EVERY,
                                               changed_only=True)
    if counted is not None:
        intake.slack.update_alert(counted)
        return counted
    latest = intake.store.alerts.get(posted.id)
    if latest is None or (latest.count, latest.revision) == (posted.count, posted.revision):
        return posted
    intake.slack.update_alert(latest)
    return latest


# ---------------------------------------------------------------------- monitoring sources
def take_external(events: Sequence[ExternalEvent], intake: Intake) -> list[Taken]:
    """Judge a source's firing events, apply every event to its key's alert, then post or update the posts.

    Resolves are not judged: they close the alert their key raised, whatever the rules say now.
    """
    arrivals: list[Arrival] = []
    judged: list[tuple[ExternalEvent, Judgement | None, int | None]] = []
    for event in events:
        at = event.moment(intake.now)
        judgement = None if event.is_resolved else judge_external(event, intake.config, intake.me, at)
        if judgement is not None and judgement.verdict is not Verdict.ALERT:
            judged.append((event, judgement, None))
            continue
        draft = _silenced(_external_draft(event, judgement, at, intake), intake) if judgement else None
        judged.append((event, judgement, len(arrivals)))
        arrivals.append(Arrival(event, at, draft))
    applied = intake.store.alerts.apply_external(arrivals, intake.window, intake.now)
    unreachable: set[str] = set()
    shown = [_carry_out(outcome, intake, unreachable) for outcome in applied]
    return [Taken(event, judgement, applied[n].change if n is not None else None,
                  shown[n] if n is not None else None) for event, judgement, n in judged]


def _external_draft(event: ExternalEvent, judgement: Judgement, at: datetime, intake: Intake) -> Alert:
    origin = ExternalOrigin(source=event.source, dedup_key=event.dedup_key, link=event.link, host=event.host,
                            service=event.service, severity=event.severity, labels=dict(event.labels),
                            occurred_at=at)
    text = "\n".join(part for part in (event.title, event.text, event.note) if part)
    # Without a rule, the source's severity labels it: what an on-call engineer looks at first.
    label = judgement.rule.label if judgement.rule else f"[{event.severity.title()}]" if event.severity else ""
    return _draft("", origin, text, label, judgement, key_hash(event.dedup_key)[:16], at)


def _carry_out(applied: Applied, intake: Intake, unreachable: set[str]) -> Alert | None:
    """Show what an event changed, as work about its alert (klaxon.correlation); the alert as it now is."""
    alert = applied.alert
    if alert is None or applied.change in (Change.STALE, Change.KEPT, Change.ALREADY_RESOLVED):
        return alert
    with about(alert_id=alert.id):
        return _show_change(alert, applied.change, intake, unreachable)


def _show_change(alert: Alert, change: Change, intake: Intake, unreachable: set[str]) -> Alert:
    """Post a new alert, redraw a changed one, tell the other features - and return the alert as it now is.

    New alerts are posted while the function has time (a request may carry hundreds, and Slack allows
    about a post a second per channel); the rest keep their posting lease and the sweep posts them once
    it runs out. A channel found `unreachable` is tried once per request: its other alerts wait for the
    sweep. A repeat's new count is drawn at most once per few seconds (klaxon.alerts.storms), and only
    while there is time (the sweep draws it otherwise); a resolve or a reopen is always drawn.
    """
    if change is Change.REPEAT:
        intake.publish(AlertRepeated(alert))
    if alert.silenced_by:
        if change is Change.NEW:
            intake.publish(AlertRaised(alert))
        return alert
    if not alert.is_posted:
        alert = _post(alert, change, intake, unreachable)
        if change is not Change.REPEAT:
            return alert
    if change is Change.REPEAT:
        if alert.is_posted and intake.time_left_ms() <= POSTING_RESERVE_MS:
            intake.store.alerts.trail_redraw(alert.id, intake.now)  # no time to draw it: the sweep does
            return alert
        return redraw_repeat(alert, store=intake.store, slack=intake.slack, now=intake.now)
    show(alert, store=intake.store, slack=intake.slack)
    if change is Change.REOPEN:
        intake.publish(AlertReopened(alert))
    elif change is Change.RESOLVE:
        assert alert.resolved_by and alert.resolved_at
        intake.publish(AlertResolved(alert, by=alert.resolved_by, at=alert.resolved_at))
    return alert


def _post(alert: Alert, change: Change, intake: Intake, unreachable: set[str]) -> Alert:
    """Post a new alert (this request holds its lease) while there is time, or a repeat of one its raiser
    failed to post (or is posting now: then its lease holds, and this waits); a resolve or reopen of an
    unposted alert waits for its post.

    A post Slack refuses fails nothing: the alert is recorded and due for the sweep, which posts it within a
    minute, so the request is answered 200 (`posted: false`) - a source told 5xx would send it again and
    count it twice."""
    new = change is Change.NEW
    if change not in (Change.NEW, Change.REPEAT) or alert.target_channel in unreachable or \
            (new and intake.time_left_ms() <= POSTING_RESERVE_MS):
        return alert
    try:
        return post_once(alert, store=intake.store, slack=intake.slack, publish=intake.publish, now=intake.now,
                         leased=new)
    except ChannelUnreachable:
        unreachable.add(alert.target_channel)
        return alert
    except Exception:
        logger.warning("alert %s recorded but not posted: the sweep posts it", alert.id, exc_info=True)
        return alert


# ---------------------------------------------------------------------- shared steps
def _draft(new_id: str, origin: SlackMessageOrigin | ExternalOrigin, text: str, label: str, judgement: Judgement,
           group: str, first_seen: datetime) -> Alert:
    """The alert a judgement makes: target, hotline and policy from its rule (without one, a source's own
    policy); its ack timeout runs from when it was first seen. Its text is cut to what an alert keeps
    (MAX_ALERT_TEXT)."""
    rule: Rule | None = judgement.rule
    assert judgement.target_channel, "an alert judgement names its target"
    policy, timeout = (rule.policy, rule.ack_timeout_seconds) if rule else (judgement.policy,
                                                                         judgement.ack_timeout_seconds)
    escalate_at = first_seen + timedelta(seconds=timeout or DEFAULT_ACK_TIMEOUT_SECONDS) if policy else None
    return Alert(id=new_id, origin=origin, text=truncate(text, MAX_ALERT_TEXT, ALERT_CUT_NOTE), label=label,
                 target_channel=judgement.target_channel,
                 fingerprint=group, first_seen=first_seen,
                 rule_id=rule.id if rule else None, hotline=rule.hotline if rule else (),
                 policy=policy, escalate_at=escalate_at)


def _silenced(candidate: Alert, intake: Intake) -> Alert:
    """The silences step (SPEC §5): a silenced alert is recorded but neither posted nor paged.

    Expiry is checked now, at judging time. A silenced alert groups apart from posted ones (its fingerprint
    names the silence), so repeats while the silence holds are counted into it, and the first repeat after
    the silence ends is posted as an alert of its own instead of being counted into a silent one.
    """
    silence = intake.silences.silencing(candidate, intake.now)
    if silence is None:
        return candidate
    return replace(candidate, silenced_by=silence, escalate_at=None, fingerprint=f"{candidate.fingerprint}~{silence}")
