"""Running `/klaxon`: parse, check who may, resolve names, apply the edit once, audit it, answer.

Every change is computed from a freshly read configuration and committed on the condition that nobody
changed it meanwhile; on a conflict the change is computed again from the newer configuration, so
concurrent edits never lose an update. A refused command writes nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from klaxon import commands as cmd
from klaxon.alerting import Identity, judge
from klaxon.clock import Clock
from klaxon.commands import replies
from klaxon.commands.durations import format_duration
from klaxon.commands.names import Names, UnknownName
from klaxon.commands.replies import Reply
from klaxon.commands.trial import TrialRefused, trial
from klaxon.configuration import (
    EVERY_CHANNEL,
    AuditEntry,
    Configuration,
    ConfigurationConflict,
    ConfigurationError,
    ConfigurationStore,
)
from klaxon.digests import HANDLED_LOOKBACK
from klaxon.escalation import EscalationPolicy, Level, PolicyError
from klaxon.ports import AlertRepository, MessageReader, SlackDirectory
from klaxon.rules import Rule, RuleError, import_ims
from klaxon.rules_as_code import RulesAsCodeError, apply_import, export_yaml, import_yaml

REPORT_LIMIT = 200
COMMIT_ATTEMPTS = 8  # each round of racing editors lets one through; a few admins settle well within this


class Refused(Exception):
    """The command cannot be carried out as given; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Invocation:
    """One `/klaxon` command: its text, who typed it, and in which channel."""

    text: str
    actor: str
    channel: str


@dataclass(frozen=True)
class Console:
    """What commands work with (built once per container by the bootstrap)."""

    configuration: ConfigurationStore
    alerts: AlertRepository
    directory: SlackDirectory
    clock: Clock
    me: Identity
    admin_users: frozenset[str]
    admin_group: str | None = None
    messages: MessageReader | None = None  # reads a message by its link, for `rule test <link>`


@dataclass(frozen=True)
class Edit:
    """A configuration change, ready to commit: the new configuration and what to record and say."""

    config: Configuration
    summary: str
    before: Any = None
    after: Any = None


def run_command(invocation: Invocation, console: Console) -> Reply:
    """Carry out one command and say what happened; problems become a refusal naming them."""
    try:
        command = cmd.parse_command(invocation.text)
        if command.changes_configuration:
            _require_admin(invocation.actor, console)
        return _run(command, invocation, console)
    except cmd.CommandError as problem:
        return Reply.refusal(problem.problem, problem.usage)
    except (Refused, UnknownName, RuleError, ConfigurationError, RulesAsCodeError, PolicyError) as problem:
        return Reply.refusal(str(problem))


def _run(command: cmd.Command, invocation: Invocation, console: Console) -> Reply:
    names = Names(console.directory)
    match command:
        case cmd.Help(topic=topic):
            return Reply.of(_help(topic))
        case cmd.ListRules():
            return Reply.of(replies.rule_list(console.configuration.load()))
        case cmd.TestRule(text=text):
            return Reply.of(_test(text, invocation, console))
        case cmd.Export():
            return Reply.of(f"```{export_yaml(console.configuration.load())}```")
        case cmd.ShowAudit(limit=limit):
            return Reply.of(replies.audit_trail(console.configuration.audit_trail(limit)))
        case cmd.ShowReport():
            return Reply.of(_report(console))
        case cmd.ShowSettings():
            return Reply.of(replies.settings(console.configuration.load().preferences))
        case cmd.AddRule():
            rule_fields = _rule_fields(command, names)
            return _edit(console, invocation, "rule add", lambda config: _add_rule(config, rule_fields))
        case cmd.RemoveRule(rule_id=rule_id):
            return _edit(console, invocation, "rule remove", lambda config: _remove_rule(config, rule_id))
        case cmd.EnableRule(rule_id=rule_id, enabled=enabled):
            action = "rule enable" if enabled else "rule disable"
            return _edit(console, invocation, action, lambda config: _enable_rule(config, rule_id, enabled))
        case cmd.MoveRule(rule_id=rule_id, placement=placement):
            return _edit(console, invocation, "rule move", lambda config: _move_rule(config, rule_id, placement))
        case cmd.SetChannelDefault(channel=ref, default=default):
            channel = names.channel(ref)
            return _edit(console, invocation, "channel default", lambda config: Edit(
                config.with_channel_default(channel, default), f"<#{channel}> default {default}",
                before=str(config.channel_default(channel)), after=str(default)))
        case cmd.ChangeSetting():
            change = _setting_change(command, names)
            return _edit(console, invocation, f"settings {command.setting}", lambda config: _change_settings(
                config, change, command.setting))
        case cmd.SetPolicy():
            policy = _policy(command, names)
            return _edit(console, invocation, "policy set", lambda config: _set_policy(config, policy))
        case cmd.ShowPolicy(name=name):
            config = console.configuration.load()
            return Reply.of(replies.describe_policy(_existing_policy(config, name), config))
        case cmd.ListPolicies():
            return Reply.of(replies.policy_list(console.configuration.load()))
        case cmd.UsePolicy(name=name, channel=ref):
            used_in = names.channel(ref) if ref else None
            return _edit(console, invocation, "policy use", lambda config: _use_policy(config, name, used_in))
        case cmd.RemovePolicy(name=name):
            return _edit(console, invocation, "policy remove", lambda config: _remove_policy(config, name))
        case cmd.Import(format=kind, text=text):
            return _edit(console, invocation, f"import {kind}", lambda config: _import(config, kind, text, names))
    raise Refused(f"`{invocation.text.split()[0]}` is not available in this version of Klaxon")


# ---------------------------------------------------------------------- committing edits
def _edit(console: Console, invocation: Invocation, action: str,
          change: Callable[[Configuration], Edit]) -> Reply:
    """Compute the change from the latest configuration and commit it, again if someone else got there first."""
    for attempt in range(COMMIT_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))  # let the racing editor finish first
        base = console.configuration.load()
        edit = change(base)
        _ = edit.config.rulebook  # compiles every rule: a configuration that cannot match is never written
        if edit.config == base:
            return Reply.of(f"Nothing to change: {edit.summary}.")
        entry = AuditEntry(actor=invocation.actor, at=console.clock.now(), action=action, summary=edit.summary,
                           before=edit.before, after=edit.after)
        try:
            console.configuration.commit(base, edit.config, entry)
        except ConfigurationConflict:
            continue
        return Reply.of(f":white_check_mark: {edit.summary}")
    return Reply.refusal("the configuration kept changing under this edit; nothing was written, try again")


def _require_admin(actor: str, console: Console) -> None:
    if actor in console.admin_users:
        return
    if console.admin_group and actor in console.directory.group_members(console.admin_group):
        return
    if not console.admin_users and not console.admin_group:
        raise Refused("Klaxon has no admins yet: set the AdminUsers parameter (ADMIN_USERS) when deploying")
    admins = ", ".join(f"<@{user}>" for user in sorted(console.admin_users))
    group = f" or a member of <!subteam^{console.admin_group}>" if console.admin_group else ""
    raise Refused(f"only Klaxon admins can change rules and settings; ask {admins or 'an admin'}{group}. "
                  "Anyone may `rule list`, `rule test` and `export`")


# ---------------------------------------------------------------------- rules
@dataclass(frozen=True)
class _RuleFields:
    """An AddRule with its names looked up: everything Rule.create needs but the id."""

    values: dict[str, Any]


def _rule_fields(command: cmd.AddRule, names: Names) -> _RuleFields:
    return _RuleFields({
        "pattern": command.pattern, "target_channel": names.channel(command.target), "label": command.label,
        "window": command.window, "action": command.action, "name": command.name,
        "channels": [names.channel(ref) for ref in command.channels],
        "posters": [poster for ref in command.posters for poster in names.posters(ref)],
        "hotline": [names.notified(ref) for ref in command.hotline],
        "policy": command.policy, "ack_timeout_seconds": command.ack_timeout_seconds,
    })


def _add_rule(config: Configuration, fields: _RuleFields) -> Edit:
    policy = fields.values.get("policy")
    if policy and policy not in config.policies:
        raise Refused(f"there is no escalation policy `{policy}`; create it first with `/klaxon policy set {policy} …`")
    rule = Rule.create(**fields.values, taken_ids={r.id for r in config.rules})
    return Edit(config.with_rules((*config.rules, rule)),
                f"added rule {len(config.rules) + 1}: {replies.describe_rule(rule)}", after=rule.to_record())


def _existing(config: Configuration, rule_id: str) -> Rule:
    rule = config.rule(rule_id)
    if rule is None:
        raise Refused(f"there is no rule `{rule_id}`; `/klaxon rule list` shows the ids")
    return rule


def _remove_rule(config: Configuration, rule_id: str) -> Edit:
    rule = _existing(config, rule_id)
    kept = tuple(r for r in config.rules if r.id != rule_id)
    return Edit(config.with_rules(kept), f"removed rule {replies.describe_rule(rule)}", before=rule.to_record())


def _enable_rule(config: Configuration, rule_id: str, enabled: bool) -> Edit:
    rule = _existing(config, rule_id)
    changed = replace(rule, enabled=enabled)
    rules = tuple(changed if r.id == rule_id else r for r in config.rules)
    verb = "enabled" if enabled else "disabled"
    return Edit(config.with_rules(rules), f"{verb} rule `{rule_id}`", before=rule.to_record(),
                after=changed.to_record())


def _move_rule(config: Configuration, rule_id: str, placement: cmd.Placement) -> Edit:
    rule = _existing(config, rule_id)
    others = [r for r in config.rules if r.id != rule_id]
    index = _new_index(others, placement)
    moved = (*others[:index], rule, *others[index:])
    before = [r.id for r in config.rules]
    return Edit(config.with_rules(moved), f"moved rule `{rule_id}` to position {index + 1} of {len(moved)}",
                before=before, after=[r.id for r in moved])


def _new_index(others: list[Rule], placement: cmd.Placement) -> int:
    match placement.where:
        case cmd.Where.TOP:
            return 0
        case cmd.Where.BOTTOM:
            return len(others)
        case cmd.Where.POSITION:
            assert placement.position is not None
            if not 1 <= placement.position <= len(others) + 1:
                raise Refused(f"position {placement.position} is outside 1-{len(others) + 1}")
            return placement.position - 1
    anchor = next((n for n, r in enumerate(others) if r.id == placement.anchor), None)
    if anchor is None:
        raise Refused(f"there is no other rule `{placement.anchor}` to move it next to")
    return anchor if placement.where is cmd.Where.BEFORE else anchor + 1


def _test(text: str, invocation: Invocation, console: Console) -> str:
    config = console.configuration.load()
    now = console.clock.now()
    try:
        tried = trial(text, channel=invocation.channel, actor=invocation.actor, now=now, reader=console.messages)
    except TrialRefused as why:
        raise Refused(str(why)) from None
    message = tried.message
    explanation = config.rulebook.explain(message.plain_text, message.channel, message.poster_ids,
                                          message.moment(now), message.ims_text)
    return replies.rule_test(tried, explanation, judge(message, config, console.me, now))


# ---------------------------------------------------------------------- settings
def _setting_change(command: cmd.ChangeSetting, names: Names) -> dict[str, Any]:
    match command:
        case cmd.SetHandledReactions(reactions=reactions):
            return {"handled_reactions": reactions}
        case cmd.SetDigestAfter(seconds=seconds):
            return {"digest_after_seconds": seconds}
        case cmd.SetVerbose(verbose=verbose):
            return {"verbose_digest": verbose}
        case cmd.SetReminderChannel(channel=ref):
            return {"reminder_channel": names.channel(ref) if ref else None}
        case cmd.SetReminderHours(minutes=minutes, zone=zone):
            return {"reminder_hours": tuple(f"{m // 60:02d}:{m % 60:02d}" for m in minutes), "reminder_zone": zone}
        case cmd.SetReconcileLimit(limit=limit):
            return {"reconcile_limit": limit}
        case cmd.SetGroupingWindow(seconds=seconds):
            return {"grouping_window_seconds": seconds}
        case cmd.SetPagingChannels(channels=refs):
            return {"paging_channels": tuple(names.channel(ref) for ref in refs)}
        case cmd.SetDmReply(text=text):
            return {"dm_reply": text}
    raise Refused(f"the setting {command.setting} is not available in this version of Klaxon")


def _change_settings(config: Configuration, change: dict[str, Any], setting: str) -> Edit:
    before = config.preferences
    after = replace(before, **change)
    shown = {key: value for key, value in after.to_record().items() if key in change}
    return Edit(config.with_preferences(after), f"{setting} is now {_shown(shown)}",
                before={key: before.to_record()[key] for key in change}, after=shown)


def _shown(values: dict[str, Any]) -> str:
    def one(key: str, value: Any) -> str:
        if key.endswith("_seconds"):
            return format_duration(value)
        if isinstance(value, list):
            return " ".join(map(str, value)) or "off"
        if isinstance(value, bool):
            return "on" if value else "off"
        return "off" if value is None else str(value)

    return ", ".join(one(key, value) for key, value in values.items())


# ---------------------------------------------------------------------- escalation policies
def _policy(command: cmd.SetPolicy, names: Names) -> EscalationPolicy:
    levels = []
    for number, level in enumerate(command.levels, start=1):
        handlers = []
        for ref in level.handlers:
            if ref.kind is cmd.MentionKind.BROADCAST:
                raise Refused(f"level {number}: @{ref.name} cannot be paged; name people or user groups")
            handlers.append(names.pageable(ref))
        levels.append(Level(tuple(dict.fromkeys(handlers)), level.wait_seconds))
    try:
        return EscalationPolicy(name=command.name, levels=tuple(levels), repeat=command.repeat)
    except PolicyError as error:
        raise Refused(str(error)) from error


def _set_policy(config: Configuration, policy: EscalationPolicy) -> Edit:
    before = config.policies.get(policy.name)
    verb = "changed" if before else "created"
    note = " (pages already running keep the levels they started with)" if before else ""
    return Edit(config.with_policy(policy), f"{verb} policy {replies.describe_policy(policy, config)}{note}",
                before=before.to_record() if before else None, after=policy.to_record())


def _existing_policy(config: Configuration, name: str) -> EscalationPolicy:
    policy = config.policies.get(name)
    if policy is None:
        known = ", ".join(f"`{n}`" for n in sorted(config.policies)) or "none yet"
        raise Refused(f"there is no escalation policy `{name}` (policies: {known})")
    return policy


def _use_policy(config: Configuration, name: str, channel: str | None) -> Edit:
    _existing_policy(config, name)
    where = f"<#{channel}>" if channel else "every channel without its own policy"
    before = config.channel_policies.get(channel) if channel else config.default_policy
    return Edit(config.with_policy_use(name, channel), f"mentions of Klaxon in {where} page policy `{name}`",
                before=before, after=name)


def _remove_policy(config: Configuration, name: str) -> Edit:
    policy = _existing_policy(config, name)
    users = config.policy_users(name)
    if users:
        raise Refused(f"policy `{name}` is in use by {', '.join(users)}; point those elsewhere first")
    return Edit(config.without_policy(name), f"removed policy `{name}`", before=policy.to_record())


# ---------------------------------------------------------------------- report
def _report(console: Console) -> str:
    """The digest's list, on demand: overdue alerts in every channel (and handled ones, if verbose)."""
    preferences = console.configuration.load().preferences
    now = console.clock.now()
    overdue = console.alerts.unacknowledged(seen_before=now - timedelta(seconds=preferences.digest_after_seconds),
                                            limit=REPORT_LIMIT)
    handled = console.alerts.recently_handled(now - HANDLED_LOOKBACK, limit=REPORT_LIMIT) \
        if preferences.verbose_digest else []
    return replies.report(overdue, handled, preferences)


# ---------------------------------------------------------------------- import and help
def _import(config: Configuration, kind: cmd.ImportFormat, text: str, names: Names) -> Edit:
    if kind is cmd.ImportFormat.IMS:
        return _import_ims(config, text, names)
    imported = import_yaml(text)
    changed = apply_import(config, imported)
    return Edit(changed, f"imported {len(imported.rules)} rules (replacing {len(config.rules)}), "
                         f"{len(imported.channel_defaults)} channel defaults and the settings",
                before=export_yaml(config), after=export_yaml(changed))


def _import_ims(config: Configuration, text: str, names: Names) -> Edit:
    ims = import_ims(text, zone=config.preferences.reminder_zone, channel_ids=names.channel_ids(),
                     user_ids=names.user_ids())
    preferences = config.preferences
    if ims.handled_reaction:
        preferences = replace(preferences, handled_reactions=(ims.handled_reaction,))
    if ims.report_channel:
        preferences = replace(preferences, reminder_channel=ims.report_channel)
    changed = replace(config.with_rules(ims.rules).with_preferences(preferences),
                      channel_defaults={EVERY_CHANNEL: ims.unmatched})
    notes = "".join(f"\n• {note}" for note in ims.notes)
    return Edit(changed, f"imported {len(ims.rules)} rules from IMS.ini (replacing {len(config.rules)}); "
                         f"unmatched messages in every channel: {ims.unmatched}{notes}",
                before=export_yaml(config), after=export_yaml(changed))


def _help(topic: str | None) -> str:
    if topic:
        return f"*/klaxon {topic}*\n```{cmd.USAGE[topic]}```"
    return "*Klaxon* watches channels with rules and reposts what matters.\n```" + "\n".join(
        cmd.USAGE[t] for t in ("rule", "channel", "settings", "import", "export", "audit", "report", "policy")
    ) + "```\nPatterns are RE2, bare or `/like this/i`. Only admins change anything; anyone may list and test."

