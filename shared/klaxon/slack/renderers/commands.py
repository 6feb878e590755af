"""What `/klaxon` answers, as Slack mrkdwn text (shown only to the person who asked): every command's
answer (klaxon.commands' facts) in words, and each change as the reply and the audit trail say it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from klaxon.alerts.gathering import truncate
from klaxon.alerts.judging import Judgement, Verdict
from klaxon.commands.audit import AuditShown
from klaxon.commands.channels import ChannelDefaultSet
from klaxon.commands.doctor import Examined
from klaxon.commands.durations import format_duration
from klaxon.commands.help import HelpShown
from klaxon.commands.hosts import HostMuted, HostsShown, HostUnmuted, MutesListed
from klaxon.commands.keywords import KeywordAdded, KeywordRemoved, KeywordsListed
from klaxon.commands.model import Answer, Change, Done, Refusal, Unchanged
from klaxon.commands.policies import PoliciesListed, PolicyRemoved, PolicySet, PolicyShown, PolicyUsed
from klaxon.commands.report import SILENCED_LIMIT, ReportShown
from klaxon.commands.rule_files import Exported, ImsImported, YamlImported
from klaxon.commands.rules import RuleAdded, RuleMoved, RuleRemoved, RulesListed, RuleSwitched, RuleTried
from klaxon.commands.settings import SettingChanged, SettingsShown
from klaxon.commands.silences import SilenceAdded, SilenceExpired, SilencesListed
from klaxon.slack.mrkdwn import quote, slack_date, unmentioned
from klaxon.slack.renderers.configuration import (
    audit_trail,
    describe_keyword,
    describe_policy,
    describe_rule,
    keyword_list,
    policy_list,
    rule_list,
    settings_text,
)
from klaxon.slack.renderers.digests import report_text
from klaxon.slack.renderers.doctor import checkup_text
from klaxon.slack.renderers.hosts import board_text, mutes_text
from klaxon.slack.renderers.silences import (
    matchers_text,
    silence_added,
    silence_expired,
    silence_list,
    silenced_count,
)
from klaxon.wording import counted, one_line

# A response_url takes a few messages of up to 40,000 characters; long answers are split, then cut.
MESSAGE_LIMIT = 38_000
MAX_MESSAGES = 3
# A refusal names its problem in one line: problems quote what was typed or pasted, which can be anything.
PROBLEM_LIMIT = 400
SHOWN_TEXT_LIMIT = 3_000  # of a tested message's text: enough to see why a rule matches
# As the general help shows them.
HELP_TOPICS = ("rule", "channel", "settings", "import", "export", "audit", "report", "policy", "keyword",
               "silence", "hosts", "doctor")


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


def reply(answer: Answer) -> Reply:
    """A command's answer as the messages Slack shows the person who asked."""
    if isinstance(answer, Refusal):
        return Reply.refusal(answer.problem, answer.usage)
    return Reply.of(_text(answer))


def _text(answer: Answer) -> str:
    match answer:
        case Done(change=change):
            return f":white_check_mark: {describe_change(change)}"
        case Unchanged(change=change):
            return f"Nothing to change: {describe_change(change)}."
        case RulesListed(config=config):
            return rule_list(config)
        case RuleTried():
            return _rule_test(answer)
        case Exported(yaml=yaml):
            return f"```{yaml}```"
        case AuditShown(entries=entries):
            return audit_trail(entries)
        case ReportShown(digests=digests, older_than_seconds=older, verbose=verbose, silenced=silenced):
            return "\n".join(filter(None, (report_text(digests, older, verbose),
                                            silenced_count(silenced, SILENCED_LIMIT))))
        case SilencesListed(silences=silences, now=now):
            return silence_list(silences, now)
        case HostsShown(board=board):
            return board_text(board)
        case MutesListed(mutes=mutes, now=now):
            return mutes_text(mutes, now)
        case SettingsShown(preferences=preferences):
            return settings_text(preferences)
        case PolicyShown(policy=policy, config=config):
            return describe_policy(policy, config)
        case PoliciesListed(config=config):
            return policy_list(config)
        case KeywordsListed(keywords=keywords):
            return keyword_list(keywords)
        case HelpShown(topic=topic, usage=usage):
            return _help(topic, usage)
        case Examined(checkup=checkup):
            return checkup_text(checkup)
    raise TypeError(f"no words for {type(answer).__name__}")


def describe_change(change: Change) -> str:
    """A change in one line, as the reply says it was made and the audit trail records it."""
    match change:
        case RuleAdded(rule=rule, position=position):
            return f"added rule {position}: {describe_rule(rule)}"
        case RuleRemoved(rule=rule):
            return f"removed rule {describe_rule(rule)}"
        case RuleSwitched(rule_id=rule_id, enabled=enabled):
            return f"{'enabled' if enabled else 'disabled'} rule `{rule_id}`"
        case RuleMoved(rule_id=rule_id, position=position, of=of):
            return f"moved rule `{rule_id}` to position {position} of {of}"
        case ChannelDefaultSet(channel=channel, default=default):
            return f"<#{channel}> default {default}"
        case SettingChanged(setting=setting, values=values):
            return f"{setting} is now {_shown(values)}"
        case PolicySet(policy=policy, config=config, replaced=replaced):
            note = " (pages already running keep the levels they started with)" if replaced else ""
            return f"{'changed' if replaced else 'created'} policy {describe_policy(policy, config)}{note}"
        case PolicyUsed(name=name, channel=channel):
            where = f"<#{channel}>" if channel else "every channel without its own policy"
            return f"mentions of Klaxon in {where} page policy `{name}`"
        case PolicyRemoved(name=name):
            return f"removed policy `{name}`"
        case SilenceAdded(silence=silence):
            return silence_added(silence)
        case SilenceExpired(silence=silence):
            return silence_expired(silence)
        case HostMuted(host=host, silence=silence):
            return f"muted host `{host}` until {slack_date(silence.ends_at)} (silence `{silence.id}`): its alerts " \
                   "are recorded, neither posted nor paged"
        case HostUnmuted(host=host, silence=silence):
            return f"unmuted host `{host}` (ended silence `{silence.id}` on {matchers_text(silence)})"
        case KeywordAdded(keyword=keyword):
            return f"added keyword reply {describe_keyword(keyword)}"
        case KeywordRemoved(keyword=keyword):
            return f"removed keyword reply {describe_keyword(keyword)}"
        case YamlImported(rules=rules, replaced=replaced, channel_defaults=defaults, silences=silences, ended=ended,
                          kept=kept):
            imported = f"imported {rules} rules (replacing {replaced}), {defaults} channel defaults and the settings"
            if not silences + ended + kept:
                return imported
            left = [f"{counted(ended, 'silence')} that had ended"] if ended else []
            left += [f"{counted(kept, 'silence')} already here"] if kept else []
            return f"{imported}; restored {counted(silences, 'silence')}" + (
                f" (left out: {', '.join(left)})" if left else "")
        case ImsImported(rules=rules, replaced=replaced, unmatched=unmatched, notes=notes):
            listed = "".join(f"\n• {note}" for note in notes)
            return f"imported {rules} rules from IMS.ini (replacing {replaced}); unmatched messages in every " \
                   f"channel: {unmatched}{listed}"
    raise TypeError(f"no words for {type(change).__name__}")


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


def _rule_test(tried: RuleTried) -> str:
    """What `rule test` found: the text Klaxon read (what rules match), which rules matched, and the outcome."""
    read = tried.tried.message.text or "(no text: nothing a person reads)"
    lines = [f"Tested {tried.tried.source}. Klaxon reads this text in it:",
             quote(truncate(unmentioned(read), SHOWN_TEXT_LIMIT, " (cut)"))]
    if tried.explanation.considered:
        lines.append(tried.explanation.summary())
    else:
        lines.append("No rule's pattern matches it.")
    lines.append("*So:* " + _outcome(tried.judgement))
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


def _shown(values: dict[str, Any]) -> str:
    def one(key: str, value: Any) -> str:
        if key.endswith("_seconds"):
            return format_duration(value)
        if key.endswith("_channels") and isinstance(value, list):
            return " ".join(f"<#{channel}>" for channel in value) or "off"
        if isinstance(value, dict):
            return ", ".join(f"{name} {each(key, entry)}" for name, entry in sorted(value.items())) or "none"
        if isinstance(value, list):
            return " ".join(map(str, value)) or "off"
        if isinstance(value, bool):
            return "on" if value else "off"
        return "off" if value is None else str(value)

    def each(key: str, entry: Any) -> str:
        """One source's entry of a per-source map."""
        if key == "source_channels":
            return f"<#{entry}>"
        return format_duration(entry) if key == "source_ack_timeouts" else str(entry)

    if len(values) > 1 and any(isinstance(value, dict) for value in values.values()):
        # `source-policy is now source policies: gcp db; source ack timeouts: gcp 2m`
        return "; ".join(f"{key.replace('_', ' ')}: {one(key, value)}" for key, value in values.items())
    return ", ".join(one(key, value) for key, value in values.items())


def _help(topic: str | None, usage: dict[str, str]) -> str:
    if topic:
        return f"*/klaxon {topic}*\n```{usage[topic]}```"
    return "*Klaxon* watches channels with rules and reposts what matters.\n```" + "\n".join(
        usage[t] for t in HELP_TOPICS
    ) + "```\nPatterns are RE2, bare or `/like this/i`. Only admins change anything; anyone may list and test."
