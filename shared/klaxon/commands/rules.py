"""`/klaxon rule …`: add, list, test, remove, enable, disable and move alert rules (SPEC §1, §6)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from klaxon.alerts.external import SOURCES
from klaxon.alerts.judging import Judgement, judge
from klaxon.commands.editing import Console, Edit, Invocation, Refused, edit
from klaxon.commands.model import Answer, Change, Command, CommandError
from klaxon.commands.names import Names
from klaxon.commands.references import (
    ChannelRef,
    MentionKind,
    MentionRef,
    channel_ref,
    first_reference_markup,
    mention_ref,
    plain_text,
    poster_ref,
)
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.trial import Trial, TrialRefused, trial
from klaxon.commands.words import (
    CLOSE_QUOTES,
    OPEN_QUOTES,
    Words,
    duration,
    is_number,
    listed,
    policy_name,
    quoted_text,
    unknown,
)
from klaxon.configuration.model import Configuration
from klaxon.rules import Action, Explanation, Rule, RuleError, TimeWindow, parse_pattern
from klaxon.rules.model import RULE_ID
from klaxon.rules.patterns import quote, read_slashed

_TO = re.compile(r"(?<!\S)to(?=\s)", re.IGNORECASE)
_CLOCK_REGEX_START = re.compile(r"\s*(?:not\s+)?ims:(?=/)", re.IGNORECASE)
_CLOSE_QUOTE = re.compile(f"[{CLOSE_QUOTES}]")


# ---------------------------------------------------------------------- the commands
@dataclass(frozen=True)
class AddRule(Command):
    """A new alert rule. `pattern` is in the notation `Rule.create` reads (bare or `/…/i`), already checked."""

    pattern: str
    target: ChannelRef
    label: str = ""
    window: TimeWindow | None = None
    action: Action = Action.ALERT
    channels: tuple[ChannelRef, ...] = ()
    posters: tuple[MentionRef, ...] = ()  # users, bots, sources, or EITHER names (a user or a bot)
    hotline: tuple[MentionRef, ...] = ()
    policy: str | None = None
    ack_timeout_seconds: int | None = None
    name: str | None = None  # None: the rule is named after its pattern


@dataclass(frozen=True)
class ListRules(Command):
    """Show the rules in order."""


@dataclass(frozen=True)
class TestRule(Command):
    """Say which rule would take a message, and what would happen.

    `text` stays in Slack's markup, as a channel message's text does, so it is judged exactly as one; it
    may also be a message's link or JSON (klaxon.commands.trial reads those).
    """

    text: str


@dataclass(frozen=True)
class RemoveRule(Command):
    """Delete a rule."""

    rule_id: str


@dataclass(frozen=True)
class EnableRule(Command):
    """Turn a rule on (`rule enable`) or off (`rule disable`) without losing its place."""

    rule_id: str
    enabled: bool


class Where(StrEnum):
    """Where `rule move` puts a rule."""

    TOP = "top"
    BOTTOM = "bottom"
    POSITION = "position"  # 1-based, as `rule list` numbers them
    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True)
class Placement:
    """A place in the rule order: `position` is set for POSITION, `anchor` (a rule id) for BEFORE/AFTER."""

    where: Where
    position: int | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class MoveRule(Command):
    """Change a rule's place in the order (the first matching rule wins)."""

    rule_id: str
    placement: Placement


# ---------------------------------------------------------------------- what they answer and change
@dataclass(frozen=True)
class RulesListed(Answer):
    config: Configuration


@dataclass(frozen=True)
class RuleTried(Answer):
    """What `rule test` found: the message read, the rules that matched it, and the verdict."""

    tried: Trial
    explanation: Explanation
    judgement: Judgement


@dataclass(frozen=True)
class RuleAdded(Change):
    rule: Rule
    position: int  # 1-based, as `rule list` numbers rules


@dataclass(frozen=True)
class RuleRemoved(Change):
    rule: Rule


@dataclass(frozen=True)
class RuleSwitched(Change):
    rule_id: str
    enabled: bool


@dataclass(frozen=True)
class RuleMoved(Change):
    rule_id: str
    position: int
    of: int


# ---------------------------------------------------------------------- grammar
def _add_rule(words: Words) -> AddRule:
    """`<pattern> to #channel [options]`: the pattern runs to the last ` to #channel` followed by valid options.

    So a ` to ` inside the pattern (`failed to connect to #db`, `/moved to #archive/ to #ops`) never splits
    it: what follows such a ` to ` is either not a channel or not a valid list of options.
    """
    text, start = words.text, words.position
    options_error: CommandError | None = None
    not_a_channel: str | None = None
    for to in reversed(list(_TO.finditer(text, start))):
        after = Words(text, to.end())
        target_word = after.next() or ""
        target = channel_ref(target_word)
        if target is None:
            not_a_channel = not_a_channel or target_word
            continue
        try:
            options = _rule_options(after)
        except CommandError as exc:
            # Keep the error of the rightmost ` to #channel`: the one the person most likely meant.
            options_error = options_error or exc
            continue
        return AddRule(pattern=_pattern(text[start : to.start()]), target=target, **options)
    if options_error:
        raise options_error
    raise CommandError(_missing_target(not_a_channel))


def _missing_target(not_a_channel: str | None) -> str:
    problem = 'rule add needs "to #channel" after the pattern: the channel its alerts are posted to'
    if not_a_channel:
        problem += f'; "{quote(not_a_channel)}" after "to" is not a channel (write #name or pick it from the list)'
    return problem


def _pattern(raw: str) -> str:
    """The pattern as written, unescaped and unquoted, after checking it compiles under RE2."""
    reference = first_reference_markup(raw)
    if reference is not None:
        raise CommandError(
            f"the pattern holds {reference.readable()}, which Slack turned into a link; rules match message text, "
            'so write it without the @ or #, or scope the rule with "in #channel" or "from @user"'
        )
    pattern = _unquoted(plain_text(raw).strip())
    if not pattern:
        raise CommandError('rule add needs a pattern before "to #channel", such as disk full or /disk (full|\\d+%)/i')
    try:
        parse_pattern(pattern)
    except RuleError as exc:
        raise CommandError(str(exc)) from None
    return pattern


def _unquoted(text: str) -> str:
    """`"disk full"` → `disk full`; text that is not wholly one quoted string is returned as it is."""
    inside = text[1:-1]
    wholly_quoted = len(text) >= 2 and text[0] in OPEN_QUOTES and text[-1] in CLOSE_QUOTES
    return inside if wholly_quoted and not _CLOSE_QUOTE.search(inside) else text


def _rule_options(words: Words) -> dict[str, Any]:
    """The options after `to #channel`, in any order, each at most once, as AddRule fields."""
    fields: dict[str, Any] = {}
    seen: set[str] = set()
    while (word := words.next()) is not None:
        option = word.lower()
        if option not in _RULE_OPTIONS:
            raise CommandError(unknown("option", word, _RULE_OPTIONS))
        if option in seen:
            raise CommandError(f'option "{option}" is given twice; give each option once')
        seen.add(option)
        field, value = _RULE_OPTIONS[option](words)
        fields[field] = value
    _check_rule_options(fields)
    return fields


def _check_rule_options(fields: dict[str, Any]) -> None:
    if fields.get("action") is Action.SUPPRESS and {"hotline", "policy", "ack_timeout_seconds"} & fields.keys():
        raise CommandError(
            "a suppress rule only marks the message handled, so it takes no hotline, policy or ack-timeout"
        )
    if "ack_timeout_seconds" in fields and "policy" not in fields:
        raise CommandError("ack-timeout needs a policy to page when it runs out: add policy NAME")


def _label(words: Words) -> tuple[str, object]:
    return "label", quoted_text(words, "label", stop=_RULE_OPTIONS)


def _name(words: Words) -> tuple[str, object]:
    return "name", quoted_text(words, "name", stop=_RULE_OPTIONS)


def _window(words: Words) -> tuple[str, object]:
    """The window runs to the next option; an IMS regex between slashes may hold spaces and option words."""
    start = words.position
    clock_regex = _CLOCK_REGEX_START.match(words.text, start)
    slashed = read_slashed(words.text[clock_regex.end() :]) if clock_regex else None
    if slashed is not None:
        words.position = len(words.text) - len(slashed[1])
    while (word := words.peek()) is not None and word.lower() not in _RULE_OPTIONS:
        words.next()
    text = plain_text(words.text[start : words.position]).strip()
    if not text:
        raise CommandError("when needs a time window, such as when mon-fri 09:00-18:00 Asia/Tokyo")
    try:
        return "window", TimeWindow.parse(text)
    except RuleError as exc:
        raise CommandError(str(exc)) from None


def _suppress(_words: Words) -> tuple[str, object]:
    return "action", Action.SUPPRESS


def _channels(words: Words) -> tuple[str, object]:
    return "channels", listed(words, "in", channel_ref, "a channel, such as #alerts-prod", stop=_RULE_OPTIONS)


def _posters(words: Words) -> tuple[str, object]:
    def poster(word: str) -> MentionRef | None:
        found = poster_ref(word)
        if found and found.kind is MentionKind.SOURCE and found.id and found.id.removeprefix("webhook:") not in SOURCES:
            raise CommandError(f'from: "{quote(plain_text(word))}" names no monitoring source; known: '
                               f"{', '.join(f'webhook:{source}' for source in SOURCES)}")
        return found if found and found.kind not in (MentionKind.GROUP, MentionKind.BROADCAST) else None

    return "posters", listed(words, "from", poster, "a user or bot, such as @grafana or B0123ABC, or a monitoring "
                                                    "source such as webhook:generic", stop=_RULE_OPTIONS)


def _hotline(words: Words) -> tuple[str, object]:
    expected = "a person, user group or @here, such as @alice, @ops-leads or @here"
    return "hotline", listed(words, "hotline", mention_ref, expected, stop=_RULE_OPTIONS)


def _policy(words: Words) -> tuple[str, object]:
    return "policy", policy_name(words.next())


def _ack_timeout(words: Words) -> tuple[str, object]:
    return "ack_timeout_seconds", duration(words.next(), "ack-timeout")


_RULE_OPTIONS = {
    "label": _label,
    "when": _window,
    "suppress": _suppress,
    "in": _channels,
    "from": _posters,
    "hotline": _hotline,
    "policy": _policy,
    "ack-timeout": _ack_timeout,
    "name": _name,
}


def _list_rules(words: Words) -> ListRules:
    words.end(after="rule list")
    return ListRules()


def _test_rule(words: Words) -> TestRule:
    text = words.rest()
    if not text:
        raise CommandError("rule test needs a message to try the rules on: its text, its link or its JSON")
    return TestRule(text)


def _remove_rule(words: Words) -> RemoveRule:
    rule_id = _rule_id(words.next())
    words.end(after=f"the rule id {rule_id}")
    return RemoveRule(rule_id)


def _enable_rule(words: Words) -> EnableRule:
    rule_id = _rule_id(words.next())
    words.end(after=f"the rule id {rule_id}")
    return EnableRule(rule_id, enabled=True)


def _disable_rule(words: Words) -> EnableRule:
    rule_id = _rule_id(words.next())
    words.end(after=f"the rule id {rule_id}")
    return EnableRule(rule_id, enabled=False)


def _move_rule(words: Words) -> MoveRule:
    rule_id = _rule_id(words.next())
    placement = _placement(words, rule_id)
    words.end(after=f"where to move {rule_id}")
    return MoveRule(rule_id, placement)


def _placement(words: Words, moving: str) -> Placement:
    word = words.next()
    places = "top, bottom, a position such as 3, before <rule-id> or after <rule-id>"
    if word is None:
        raise CommandError(f"say where to move {moving}: {places}")
    where = word.lower()
    if where in (Where.TOP, Where.BOTTOM):
        return Placement(Where(where))
    if where in (Where.BEFORE, Where.AFTER):
        anchor = _rule_id(words.next())
        if anchor == moving:
            raise CommandError(f"cannot move {moving} {where} itself")
        return Placement(Where(where), anchor=anchor)
    if is_number(word):
        if int(word) < 1:
            raise CommandError("positions start at 1, the top of rule list")
        return Placement(Where.POSITION, position=int(word))
    raise CommandError(f'"{quote(word)}" is not a place to move {moving} to: use {places}')


def _rule_id(word: str | None) -> str:
    if word is None:
        raise CommandError("a rule id is missing, such as r-7f3a2c (rule list shows them)")
    if not RULE_ID.fullmatch(word):
        raise CommandError(f'"{quote(plain_text(word))}" is not a rule id such as r-7f3a2c (rule list shows them)')
    return word


# ---------------------------------------------------------------------- handlers
def _run_add(command: AddRule, invocation: Invocation, console: Console) -> Answer:
    names = Names(console.directory)
    fields: dict[str, Any] = {
        "pattern": command.pattern, "target_channel": names.channel(command.target), "label": command.label,
        "window": command.window, "action": command.action, "name": command.name,
        "channels": [names.channel(ref) for ref in command.channels],
        "posters": [poster for ref in command.posters for poster in names.posters(ref)],
        "hotline": [names.notified(ref) for ref in command.hotline],
        "policy": command.policy, "ack_timeout_seconds": command.ack_timeout_seconds,
    }

    def add(config: Configuration) -> Edit:
        policy = fields.get("policy")
        if policy and policy not in config.policies:
            raise Refused(f"there is no escalation policy `{policy}`; create it first with "
                          f"`/klaxon policy set {policy} …`")
        rule = Rule.create(**fields, taken_ids={r.id for r in config.rules})
        return Edit(config.with_rules((*config.rules, rule)), RuleAdded(rule, len(config.rules) + 1),
                    after=rule.to_record())

    return edit(console, invocation, "rule add", add)


def _run_list(command: ListRules, invocation: Invocation, console: Console) -> Answer:
    return RulesListed(console.configuration.load())


def _run_test(command: TestRule, invocation: Invocation, console: Console) -> Answer:
    config = console.configuration.load()
    now = console.clock.now()
    try:
        tried = trial(command.text, channel=invocation.channel, actor=invocation.actor, now=now,
                      reader=console.messages)
    except TrialRefused as why:
        raise Refused(str(why)) from None
    message = tried.message
    explanation = config.rulebook.explain(message.plain_text, message.channel, message.poster_ids,
                                          message.moment(now), message.ims_text)
    return RuleTried(tried, explanation, judge(message, config, console.me, now))


def _run_remove(command: RemoveRule, invocation: Invocation, console: Console) -> Answer:
    def remove(config: Configuration) -> Edit:
        rule = _existing(config, command.rule_id)
        kept = tuple(r for r in config.rules if r.id != command.rule_id)
        return Edit(config.with_rules(kept), RuleRemoved(rule), before=rule.to_record())

    return edit(console, invocation, "rule remove", remove)


def _run_enable(command: EnableRule, invocation: Invocation, console: Console) -> Answer:
    def switch(config: Configuration) -> Edit:
        rule = _existing(config, command.rule_id)
        changed = replace(rule, enabled=command.enabled)
        rules = tuple(changed if r.id == command.rule_id else r for r in config.rules)
        return Edit(config.with_rules(rules), RuleSwitched(command.rule_id, command.enabled),
                    before=rule.to_record(), after=changed.to_record())

    return edit(console, invocation, "rule enable" if command.enabled else "rule disable", switch)


def _run_move(command: MoveRule, invocation: Invocation, console: Console) -> Answer:
    def move(config: Configuration) -> Edit:
        rule = _existing(config, command.rule_id)
        others = [r for r in config.rules if r.id != command.rule_id]
        index = _new_index(others, command.placement)
        moved = (*others[:index], rule, *others[index:])
        return Edit(config.with_rules(moved), RuleMoved(command.rule_id, index + 1, len(moved)),
                    before=[r.id for r in config.rules], after=[r.id for r in moved])

    return edit(console, invocation, "rule move", move)


def _existing(config: Configuration, rule_id: str) -> Rule:
    rule = config.rule(rule_id)
    if rule is None:
        raise Refused(f"there is no rule `{rule_id}`; `/klaxon rule list` shows the ids")
    return rule


def _new_index(others: list[Rule], placement: Placement) -> int:
    match placement.where:
        case Where.TOP:
            return 0
        case Where.BOTTOM:
            return len(others)
        case Where.POSITION:
            assert placement.position is not None
            if not 1 <= placement.position <= len(others) + 1:
                raise Refused(f"position {placement.position} is outside 1-{len(others) + 1}")
            return placement.position - 1
    anchor = next((n for n, r in enumerate(others) if r.id == placement.anchor), None)
    if anchor is None:
        raise Refused(f"there is no other rule `{placement.anchor}` to move it next to")
    return anchor if placement.where is Where.BEFORE else anchor + 1


# ---------------------------------------------------------------------- registration
REGISTRY.add(Verb("rule add", '/klaxon rule add <pattern> to #channel [label "<text>"] [when <window>] [suppress] '
                              "[in #channel …] [from @user|@bot|B0123|webhook:<source> …] [hotline @user @group "
                              '@here …] [policy NAME] [ack-timeout 5m] [name "<text>"]',
                  _add_rule, _run_add, admin=True), AddRule)
REGISTRY.add(Verb("rule list", "/klaxon rule list", _list_rules, _run_list), ListRules)
REGISTRY.add(Verb("rule test", "/klaxon rule test <message text, a message link, or a message's JSON>",
                  _test_rule, _run_test), TestRule)
REGISTRY.add(Verb("rule remove", "/klaxon rule remove <rule-id>", _remove_rule, _run_remove, admin=True), RemoveRule)
REGISTRY.add(Verb("rule enable", "/klaxon rule enable <rule-id>", _enable_rule, _run_enable, admin=True), EnableRule)
REGISTRY.add(Verb("rule disable", "/klaxon rule disable <rule-id>", _disable_rule, _run_enable, admin=True),
             EnableRule)
REGISTRY.add(Verb("rule move", "/klaxon rule move <rule-id> top|bottom|<position>|before <rule-id>|after <rule-id>",
                  _move_rule, _run_move, admin=True), MoveRule)
