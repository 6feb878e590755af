"""What admins configured, as /klaxon shows it: rules, channel defaults, settings, policies, the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

from klaxon.alerts.intake import DEFAULT_ACK_TIMEOUT_SECONDS
from klaxon.commands.durations import format_duration
from klaxon.configuration.model import EVERY_CHANNEL, AuditEntry, Configuration, Preferences
from klaxon.incidents.keywords import KeywordReply
from klaxon.markup import escaped
from klaxon.paging.policies import EscalationPolicy
from klaxon.rules import Action, Rule
from klaxon.wording import counted


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


def settings_text(preferences: Preferences) -> str:
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
        "webhook alerts without a rule go to: " + ", ".join(
            [f"{source} {_channel(channel)}" for source, channel in sorted(p.source_channels.items())]
            + ["the rest to the default incidents channel"]),
        "webhook alerts without a rule page: " + (", ".join(
            f"{source} policy `{policy}` after "
            f"{format_duration(p.source_ack_timeouts.get(source, DEFAULT_ACK_TIMEOUT_SECONDS))}"
            for source, policy in sorted(p.source_policies.items())) or "nobody"),
        f"CloudWatch alarms with insufficient data: {p.insufficient_data}",
        "host board: " + (" ".join(_channel(c) for c in p.host_board_channels)
                          + f", redrawn every {format_duration(p.host_board_every_seconds)}"
                          if p.host_board_channels else "off"),
        *incident_settings_lines(p),
    ])


def incident_settings_lines(p: Preferences) -> list[str]:
    """Declared incidents' settings, as `/klaxon settings` lists them."""
    paging = f"severity {p.incident_paging_severity} or worse" if p.incident_paging_severity else "never by themselves"
    return [
        f"incidents page their policy: {paging}",
        f"incident reminders: no lead after {format_duration(p.incident_no_lead_seconds)}, no severity after "
        f"{format_duration(p.incident_no_severity_seconds)}, no update after "
        f"{format_duration(p.incident_no_update_severe_seconds)} (severity 1-2) or "
        f"{format_duration(p.incident_no_update_seconds)}, a break after {format_duration(p.incident_break_seconds)},"
        f" each at most {counted(p.incident_reminder_times, 'time')}; close reminders "
        f"{'-'.join(p.incident_close_hours)} {p.incident_zone} on working days",
    ]


def describe_keyword(keyword: KeywordReply) -> str:
    """`k-1a2b3c` "runbook" → Runbooks: https://…"""
    return f"`{keyword.id}` \"{escaped(keyword.phrase)}\" → {keyword.reply}"


def keyword_list(keywords: Sequence[KeywordReply]) -> str:
    if not keywords:
        return 'No keyword replies yet. Add one: `/klaxon keyword add "runbook" reply "Runbooks: https://…"`'
    lines = [f"*{counted(len(keywords), 'keyword reply', 'keyword replies')}* in incidents' comms channels, "
             "once per incident:"]
    return "\n".join([*lines, *(f"• {describe_keyword(keyword)}" for keyword in keywords)])



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
