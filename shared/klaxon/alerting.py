"""Judging channel messages against the rules, and raising alerts from them (SPEC §1)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from klaxon.alerts import Alert, alert_id
from klaxon.configuration import Configuration
from klaxon.gathering import truncate
from klaxon.messages import ChannelMessage
from klaxon.ports import ChannelUnreachable, RaiseOutcome, SlackGateway, Store
from klaxon.reposting import post_once
from klaxon.rules import Action, ChannelDefault, Rule
from klaxon.rules.grouping import fingerprint

DEFAULT_ACK_TIMEOUT_SECONDS = 300  # a rule that names a policy without an ack-timeout pages after 5 minutes
# What an alert keeps of its message's text: more than its post shows (Slack's 3,000-character section),
# and at most 40 KB of UTF-8, far inside DynamoDB's 400 KB item (every update is billed by item size).
MAX_ALERT_TEXT = 10_000
ALERT_CUT_NOTE = " (cut: the original message has it all)"


class Verdict(StrEnum):
    IGNORE = "ignore"
    ALERT = "alert"
    SUPPRESS = "suppress"  # known noise: mark the original handled, nothing else
    MARK_HANDLED = "mark_handled"  # the channel's default for unmatched messages is `ack`


@dataclass(frozen=True)
class Judgement:
    """What a message deserves, and why (the why is logged and shown by `/klaxon rule test`)."""

    verdict: Verdict
    reason: str
    rule: Rule | None = None
    target_channel: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who Klaxon is in this workspace, and where alerts go when a rule names no channel."""

    bot_user_id: str | None
    bot_id: str | None
    incidents_channel: str | None


def judge(message: ChannelMessage, config: Configuration, me: Identity, now: datetime) -> Judgement:
    """Decide what a message deserves: the first matching rule wins, else the channel's default.

    Time windows are judged at the moment the message was said (`message.moment(now)`), not at `now`.
    """
    if message.by(me.bot_user_id, me.bot_id):
        return Judgement(Verdict.IGNORE, "posted by Klaxon itself")
    if message.channel in config.incidents_channels(me.incidents_channel):
        return Judgement(Verdict.IGNORE, "an incidents channel is never watched")
    rule = config.rulebook.first_match(message.plain_text, message.channel, message.poster_ids, message.moment(now),
                                       message.ims_text)
    if rule is not None:
        if rule.action is Action.SUPPRESS:
            return Judgement(Verdict.SUPPRESS, f"rule {rule.id} suppresses it", rule)
        return Judgement(Verdict.ALERT, f"rule {rule.id} matches", rule, rule.target_channel)
    default = config.channel_default(message.channel)
    if default is ChannelDefault.ACK:
        return Judgement(Verdict.MARK_HANDLED, "no rule matches; the channel default is ack")
    if default is ChannelDefault.ALERT:
        target = config.preferences.unmatched_channel or me.incidents_channel
        if not target:
            return Judgement(Verdict.IGNORE, "channel default is alert, but no incidents channel is set")
        return Judgement(Verdict.ALERT, "no rule matches; the channel default is alert", target_channel=target)
    return Judgement(Verdict.IGNORE, "no rule matches")


def handle_channel_message(message: ChannelMessage, *, config: Configuration, me: Identity, store: Store,
                           slack: SlackGateway, now: datetime) -> Judgement:
    """Judge a message and carry the judgement out: repost, count a repeat, or mark it handled."""
    judgement = judge(message, config, me, now)
    if judgement.verdict is Verdict.ALERT:
        raise_alert(message, judgement, config, store=store, slack=slack, now=now)
    elif judgement.verdict in (Verdict.SUPPRESS, Verdict.MARK_HANDLED):
        slack.mark_handled(message.channel, message.ts, config.preferences.handled_reaction)
    return judgement


def raise_alert(message: ChannelMessage, judgement: Judgement, config: Configuration, *, store: Store,
                slack: SlackGateway, now: datetime) -> Alert:
    """Record the alert exactly once, then post it, or update its group's post with the new count.

    Its times are the message's (`message.moment(now)`): first seen when said, grouped with repeats said
    within the grouping window, and (when its rule names a policy) paging an ack timeout after it was said,
    so a late delivery neither starts a new group nor puts the page off.
    """
    rule = judgement.rule
    assert judgement.target_channel, "an alert judgement names its target"
    group_key = rule.id if rule else f"default:{message.channel}"
    said_at = message.moment(now)
    candidate = Alert(
        id=alert_id(message.channel, message.ts),
        source_channel=message.channel,
        source_ts=message.ts,
        poster=message.poster,
        poster_name=message.poster_name,
        text=truncate(message.text, MAX_ALERT_TEXT, ALERT_CUT_NOTE),
        label=rule.label if rule else config.preferences.unmatched_label,
        target_channel=judgement.target_channel,
        fingerprint=fingerprint(group_key, message.plain_text),
        first_seen=said_at,
        rule_id=rule.id if rule else None,
        hotline=rule.hotline if rule else (),
        policy=rule.policy if rule else None,
    )
    if rule and rule.policy:
        candidate = replace(candidate, escalate_at=said_at + timedelta(
            seconds=rule.ack_timeout_seconds or DEFAULT_ACK_TIMEOUT_SECONDS))
    window = timedelta(seconds=config.preferences.grouping_window_seconds)
    raised = store.alerts.raise_alert(candidate, group_until=said_at + window)
    alert = raised.alert
    if not alert.is_posted and alert.id == candidate.id and alert.text == candidate.text:
        # New, or recorded by an earlier attempt at this delivery that died before posting: post it now,
        # once. Another delivery for the same message (an edit racing the original, or a second edit) finds
        # other text, and leaves the post to the worker that recorded the alert (or, should it die, the sweep).
        try:
            posted = post_once(alert, store=store, slack=slack, now=now)
        except ChannelUnreachable:
            return alert  # it waits, told to the admins; the sweep posts it once Klaxon can
        return _caught_up(posted, store=store, slack=slack) if posted.is_posted else posted
    if raised.outcome is RaiseOutcome.GROUPED and alert.is_posted:
        slack.update_alert(alert)
    return alert


def _caught_up(posted: Alert, *, store: Store, slack: SlackGateway) -> Alert:
    """The post as the alert is now: a repeat counted (or a mark made) while it was being posted found no
    post to update, so the poster shows it (one consistent read)."""
    latest = store.alerts.get(posted.id)
    if latest is None or (latest.count, latest.revision) == (posted.count, posted.revision):
        return posted
    slack.update_alert(latest)
    return latest
