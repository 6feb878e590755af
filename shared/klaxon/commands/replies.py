"""What `/klaxon` answers, as Slack mrkdwn text (shown only to the person who asked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from klaxon.alerting import Judgement, Verdict
from klaxon.alerts import Alert
from klaxon.commands.durations import format_duration
from klaxon.commands.trial import Trial
from klaxon.configuration import EVERY_CHANNEL, AuditEntry, Configuration, Preferences
from klaxon.escalation import EscalationPolicy
from klaxon.gathering import truncate
from klaxon.rules import Action, Explanation, Rule
from klaxon.slack.mrkdwn import quote, unmentioned
from klaxon.wording import counted, one_line

# A response_url takes a few messages of up to 40,000 characters; long answers are split, then cut.
MESSAGE_LIMIT = 38_000
MAX_MESSAGES = 3
# A refusal names its problem in one line: problems quote what was typed or pasted, which can be anything.
PROBLEM_LIMIT = 400
SHOWN_TEXT_LIMIT = 3_000  # of a tested message's text: enough to see why a rule matches


@dataclass(frozen=True)
class Reply:
    """An answer to one command: one or more messages, and whether the command did what was asked."""

    messages: tuple[str, ...]
    ok: bool = True

    @classmethod
    def of(cls, text: str, ok: bool = True) -> Reply:
        return cls(split(text), ok)

    @classmethod
    def refusal(cls, problem: str, usage: str = "") -> Reply:
        """The problem as one line of at most PROBLEM_LIMIT characters, then the usage (Klaxon's own text)."""
        shown = f":warning: {one_line(problem, PROBLEM_LIMIT)}"
        return cls.of(f"{shown}\nUsage:\n{usage}" if usage else shown, ok=False)

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


def split(text: str) -> tuple[str, ...]:
    """Text in messages Slack accepts: split at line ends, cut with a note if there is too much."""
    messages, current = [], ""
    for line in text.splitlines(keepends=True):
        if len(current) + len(line) > MESSAGE_LIMIT:
            messages.append(current)
            current = ""
        current += line[:MESSAGE_LIMIT]
    messages.append(current)
    if len(messages) > MAX_MESSAGES:
        messages = messages[:MAX_MESSAGES]
        messages[-1] += "\n…(cut: too long to show here; `/klaxon export` has everything)"
    return tuple(message.rstrip("\n") for message in messages)


def describe_rule(rule: Rule, position: int | None = None) -> str:
    """One line: `3. r-7f3a2c /disk/i → #ops [Error] · when … · in … · from … · hotline … · disabled`."""
    head = f"{position}. " if position is not None else ""
    action = "suppress (mark handled)" if rule.action is Action.SUPPRESS else f"→ <#{rule.target_channel}>"
    parts = [f"{head}`{rule.id}` `{rule.pattern_text}` {action}" + (f" {rule.label}" if rule.label else "")]
    if rule.window:
        parts.append(f"when {rule.window.describe()}")
    if rule.channels:
        parts.append("in " + " ".join(f"<#{c}>" for c in sorted(rule.channels)))
    if rule.posters:
        parts.append("from " + " ".join(_person(p) for p in sorted(rule.posters)))
    if rule.hotline:
        parts.append("hotline " + " ".join(_mention_text(m) for m in rule.hotline))
    if rule.policy:
        timeout = rule.ack_timeout_seconds
        parts.append(f"policy {rule.policy}" + (f" after {format_duration(timeout)}" if timeout else ""))
    if rule.ims_matching:
        parts.append("matches as IMS did")
    if not rule.enabled:
        parts.append("*disabled*")
    return " · ".join(parts)


def rule_list(config: Configuration) -> str:
    if not config.rules:
        lines = ["No rules yet. Add one: `/klaxon rule add disk (full|\\d+%) to #incidents label \"[Error]\"`"]
    else:
        lines = [f"*{counted(len(config.rules), 'rule')}*, first match wins:"]
        lines += [describe_rule(rule, n) for n, rule in enumerate(config.rules, start=1)]
    if config.channel_defaults:
        lines.append("*Unmatched messages:* " + ", ".join(
            f"{_channel(channel)} {default}" for channel, default in sorted(config.channel_defaults.items())))
    return "\n".join(lines)


def rule_test(tried: Trial, explanation: Explanation, judgement: Judgement) -> str:
    """What `rule test` found: the text Klaxon read (what rules match), which rules matched, and the outcome."""
    read = tried.message.text or "(no text: nothing a person reads)"
    lines = [f"Tested {tried.source}. Klaxon reads this text in it:",
             quote(truncate(unmentioned(read), SHOWN_TEXT_LIMIT, " (cut)"))]
    if explanation.considered:
        lines.append(explanation.summary())
    else:
        lines.append("No rule's pattern matches it.")
    lines.append("*So:* " + _outcome(judgement))
    return "\n".join(lines)


def _outcome(judgement: Judgement) -> str:
    match judgement.verdict:
        case Verdict.ALERT:
            label = judgement.rule.label if judgement.rule else ""
            return f"it would be reposted to <#{judgement.target_channel}> {label} ({judgement.reason})."
        case Verdict.SUPPRESS:
            return f"it would be marked handled and nothing else ({judgement.reason})."
        case Verdict.MARK_HANDLED:
            return f"it would be marked handled ({judgement.reason})."
        case _:
            return f"nothing would happen ({judgement.reason})."


def settings(preferences: Preferences) -> str:
    p = preferences
    hours = ", ".join(p.reminder_hours) + f" {p.reminder_zone}" if p.reminder_hours else "off"
    return "\n".join([
        "*Settings*",
        "handled reactions: " + " ".join(f":{name}:" for name in p.handled_reactions),
        f"grouping window: {format_duration(p.grouping_window_seconds)}",
        f"digest lists alerts unacknowledged for: {format_duration(p.digest_after_seconds)}",
        f"verbose digest: {'on' if p.verbose_digest else 'off'}",
        f"reminder channel: {_channel(p.reminder_channel) if p.reminder_channel else 'off'}",
        f"reminder hours: {hours}",
        f"reconcile limit: {p.reconcile_limit} reactions.get calls per sweep",
        "unmatched alerts go to: "
        f"{_channel(p.unmatched_channel) if p.unmatched_channel else 'the default incidents channel'}"
        f" labelled {p.unmatched_label}",
        "mentions page from: " + (" ".join(_channel(c) for c in p.paging_channels) or "every channel"),
        f"direct message reply: {p.dm_reply or 'the default explanation'}",
    ])


def audit_trail(entries: Sequence[AuditEntry]) -> str:
    if not entries:
        return "No changes recorded yet."
    lines = [f"*Last {len(entries)} changes*, newest first:"]
    lines += [f"{entry.at:%Y-%m-%d %H:%M} UTC <@{entry.actor}> `{entry.action}`: {entry.summary}" for entry in entries]
    return "\n".join(lines)


def _channel(channel: str) -> str:
    return "every other channel" if channel == EVERY_CHANNEL else f"<#{channel}>"


def _person(poster: str) -> str:
    return f"<@{poster}>" if poster.startswith(("U", "W")) else poster


def _mention_text(target: str) -> str:
    # Shown, not sent as a notification: the list must not ping the people in it.
    if target.startswith("S"):
        return f"group {target}"
    return f"@{target}" if target in ("here", "channel", "everyone") else f"<@{target}>"


def report(overdue: Sequence[Alert], handled: Sequence[Alert], preferences: Preferences) -> str:
    """`/klaxon report`: what the digests show, across every incidents channel."""
    waited = format_duration(preferences.digest_after_seconds)
    if not overdue:
        lines = [f":white_check_mark: Nothing has gone unacknowledged for over {waited}."]
    else:
        lines = [f":rotating_light: *{counted(len(overdue), 'alert')} nobody has acknowledged* for over {waited}:"]
        lines += [f"• <#{a.target_channel}> *{a.label}* {_first_line(a)} — since {a.first_seen:%Y-%m-%d %H:%M} UTC"
                  + (f" · <{a.permalink}|original>" if a.permalink else "") for a in overdue]
    if preferences.verbose_digest:
        lines.append(f"*Handled in the last 24h:* {len(handled) or 'none'}")
        lines += [f"• <#{a.target_channel}> *{a.label}* {_first_line(a)} — {_handled_by(a)}" for a in handled]
    return "\n".join(lines)


def _first_line(alert: Alert) -> str:
    line = alert.headline
    return line[:150] + ("…" if len(line) > 150 else "")


def _handled_by(alert: Alert) -> str:
    handler = alert.handler
    return f"{handler.how} by <@{handler.user}>" if handler else "handled"


def describe_policy(policy: EscalationPolicy, config: Configuration) -> str:
    """`db`: level 1 <@a> <@b> after 5m; level 2 group S… after 2m; repeat 1 · used by …"""
    levels = "; ".join(
        f"level {n} {' '.join(_mention_text(h) for h in level.handlers)} after {format_duration(level.wait_seconds)}"
        for n, level in enumerate(policy.levels, start=1))
    repeat = f"; repeat {policy.repeat}" if policy.repeat else ""
    users = config.policy_users(policy.name)
    used = f" · used by {', '.join(users)}" if users else " · not used yet"
    return f"`{policy.name}`: {levels}{repeat}{used}"


def policy_list(config: Configuration) -> str:
    if not config.policies:
        return "No escalation policies yet. Create one: `/klaxon policy set oncall level @alice after 5m; level @leads`"
    lines = [f"*{counted(len(config.policies), 'escalation policy', 'escalation policies')}*:"]
    lines += [describe_policy(policy, config) for _, policy in sorted(config.policies.items())]
    return "\n".join(lines)
