"""Judging what comes in against the rules (SPEC §1, §5): a watched channel's message, or a monitoring
source's event. The first matching rule wins; without one, a channel's default or the source's target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from klaxon.alerts.external import ExternalEvent
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.model import source_actor
from klaxon.configuration.model import Configuration
from klaxon.rules import Action, ChannelDefault, Rule


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
    # Without a rule, a monitoring source's own policy (`settings source-policy`) and its ack timeout.
    policy: str | None = None
    ack_timeout_seconds: int | None = None


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


def judge_external(event: ExternalEvent, config: Configuration, me: Identity, at: datetime) -> Judgement:
    """Decide what a source's firing event deserves: the first rule matching its title, text and labels
    (rules scoped to channels never match it; `from webhook:<source>` scopes a rule to the source), else
    the source's target channel and policy (`settings source-channel`, `settings source-policy`)."""
    rule = config.rulebook.first_match(event.matched_text, "", source_actor(event.source), at)
    if rule is not None:
        if rule.action is Action.SUPPRESS:
            return Judgement(Verdict.SUPPRESS, f"rule {rule.id} suppresses it", rule)
        return Judgement(Verdict.ALERT, f"rule {rule.id} matches", rule, rule.target_channel)
    preferences = config.preferences
    own = preferences.source_channels.get(event.source)
    target = own or me.incidents_channel
    if not target:
        return Judgement(Verdict.IGNORE, f"no rule matches, and neither a channel of {event.source}'s own "
                                         "nor an incidents channel is set")
    where = f"{event.source}'s own channel" if own else "the incidents channel"
    return Judgement(Verdict.ALERT, f"no rule matches; {event.source} alerts go to {where}", target_channel=target,
                     policy=preferences.source_policies.get(event.source),
                     ack_timeout_seconds=preferences.source_ack_timeouts.get(event.source))
