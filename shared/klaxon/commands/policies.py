"""`/klaxon policy …`: escalation policies - set, show, list, use in a channel or by default, remove
(SPEC §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from klaxon.commands.editing import Console, Edit, Invocation, Refused, edit
from klaxon.commands.model import Answer, Change, Command, CommandError
from klaxon.commands.names import Names
from klaxon.commands.references import ChannelRef, MentionKind, MentionRef
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words, channel, duration, first_word, person_or_group, policy_name, whole_number
from klaxon.configuration.model import Configuration
from klaxon.paging.policies import EscalationPolicy, Level, PolicyError
from klaxon.rules.patterns import quote

DEFAULT_LEVEL_WAIT_SECONDS = 60
MAX_POLICY_REPEAT = 10
_LEVEL_BREAK = re.compile(r"[;\n]")


# ---------------------------------------------------------------------- the commands
@dataclass(frozen=True)
class PolicyLevel:
    """One escalation step: who gets the page, and how long to wait for an ack before the next level."""

    handlers: tuple[MentionRef, ...]  # users, user groups, or EITHER names (a user or a user group)
    wait_seconds: int = DEFAULT_LEVEL_WAIT_SECONDS


@dataclass(frozen=True)
class SetPolicy(Command):
    """Create or replace an escalation policy; after the last level it starts again `repeat` times."""

    name: str
    levels: tuple[PolicyLevel, ...]
    repeat: int = 0


@dataclass(frozen=True)
class ShowPolicy(Command):
    """One policy's levels."""

    name: str


@dataclass(frozen=True)
class ListPolicies(Command):
    """Every policy, and where each is used."""


@dataclass(frozen=True)
class UsePolicy(Command):
    """Page with this policy when the bot is mentioned in `channel`; None makes it the default."""

    name: str
    channel: ChannelRef | None


@dataclass(frozen=True)
class RemovePolicy(Command):
    """Delete a policy."""

    name: str


# ---------------------------------------------------------------------- what they answer and change
@dataclass(frozen=True)
class PolicyShown(Answer):
    policy: EscalationPolicy
    config: Configuration  # where it is used


@dataclass(frozen=True)
class PoliciesListed(Answer):
    config: Configuration


@dataclass(frozen=True)
class PolicySet(Change):
    policy: EscalationPolicy
    config: Configuration  # as it was: where the policy is used
    replaced: bool  # it existed: pages already running keep the levels they started with


@dataclass(frozen=True)
class PolicyUsed(Change):
    name: str
    channel: str | None  # None: every channel without its own policy


@dataclass(frozen=True)
class PolicyRemoved(Change):
    name: str


# ---------------------------------------------------------------------- grammar
def _set_policy(words: Words) -> SetPolicy:
    name = policy_name(words.next())
    statements = [part.strip() for part in _LEVEL_BREAK.split(words.rest()) if part.strip()]
    repeat = _repeat(statements.pop()) if statements and first_word(statements[-1]) == "repeat" else 0
    if not statements:
        raise CommandError(f'policy {name} has no levels: write "level @user @group after 5m", levels separated by ;')
    levels = tuple(_level(statement, number) for number, statement in enumerate(statements, start=1))
    return SetPolicy(name, levels, repeat)


def _level(statement: str, number: int) -> PolicyLevel:
    """`level @a @ops-leads [after 5m]`."""
    words = Words(statement)
    keyword = first_word(statement)
    if keyword == "repeat":
        raise CommandError("repeat goes once, at the end, after the last level")
    if keyword != "level":
        raise CommandError(f'level {number} should read "level @user @group after 5m", not "{quote(statement)}"')
    words.next()
    handlers: list[MentionRef] = []
    wait = DEFAULT_LEVEL_WAIT_SECONDS
    while (word := words.next()) is not None:
        if word.lower() == "after":
            wait = duration(words.next(), f"the wait of level {number}")
            words.end(after=f"the wait of level {number}")
        else:
            handlers.append(person_or_group(word, f"level {number}"))
    if not handlers:
        raise CommandError(f"level {number} names no one to page: add @user or @group")
    return PolicyLevel(tuple(handlers), wait)


def _repeat(statement: str) -> int:
    _, *numbers = statement.split()
    if len(numbers) != 1:
        raise CommandError(f"repeat takes one number from 0 to {MAX_POLICY_REPEAT}")
    return whole_number(numbers[0], "repeat", 0, MAX_POLICY_REPEAT)


def _show_policy(words: Words) -> ShowPolicy:
    name = policy_name(words.next())
    words.end(after=f"policy {name}")
    return ShowPolicy(name)


def _list_policies(words: Words) -> ListPolicies:
    words.end(after="policy list")
    return ListPolicies()


def _use_policy(words: Words) -> UsePolicy:
    name = policy_name(words.next())
    where = (words.next() or "").lower()
    if where == "default":
        words.end(after="default")
        return UsePolicy(name, None)
    if where != "in":
        raise CommandError(f'say where policy {name} pages: "in #channel", or "default" for every other channel')
    used_in = channel(words.next())
    words.end(after=used_in.readable())
    return UsePolicy(name, used_in)


def _remove_policy(words: Words) -> RemovePolicy:
    name = policy_name(words.next())
    words.end(after=f"policy {name}")
    return RemovePolicy(name)


# ---------------------------------------------------------------------- handlers
def _run_set(command: SetPolicy, invocation: Invocation, console: Console) -> Answer:
    policy = _policy(command, Names(console.directory))

    def set_policy(config: Configuration) -> Edit:
        before = config.policies.get(policy.name)
        return Edit(config.with_policy(policy), PolicySet(policy, config, replaced=before is not None),
                    before=before.to_record() if before else None, after=policy.to_record())

    return edit(console, invocation, "policy set", set_policy)


def _policy(command: SetPolicy, names: Names) -> EscalationPolicy:
    levels = []
    for number, level in enumerate(command.levels, start=1):
        handlers = []
        for ref in level.handlers:
            if ref.kind is MentionKind.BROADCAST:
                raise Refused(f"level {number}: @{ref.name} cannot be paged; name people or user groups")
            handlers.append(names.pageable(ref))
        levels.append(Level(tuple(dict.fromkeys(handlers)), level.wait_seconds))
    try:
        return EscalationPolicy(name=command.name, levels=tuple(levels), repeat=command.repeat)
    except PolicyError as error:
        raise Refused(str(error)) from error


def _run_show(command: ShowPolicy, invocation: Invocation, console: Console) -> Answer:
    config = console.configuration.load()
    return PolicyShown(_existing(config, command.name), config)


def _run_list(command: ListPolicies, invocation: Invocation, console: Console) -> Answer:
    return PoliciesListed(console.configuration.load())


def _run_use(command: UsePolicy, invocation: Invocation, console: Console) -> Answer:
    used_in = Names(console.directory).channel(command.channel) if command.channel else None

    def use(config: Configuration) -> Edit:
        _existing(config, command.name)
        before = config.channel_policies.get(used_in) if used_in else config.default_policy
        return Edit(config.with_policy_use(command.name, used_in), PolicyUsed(command.name, used_in),
                    before=before, after=command.name)

    return edit(console, invocation, "policy use", use)


def _run_remove(command: RemovePolicy, invocation: Invocation, console: Console) -> Answer:
    def remove(config: Configuration) -> Edit:
        policy = _existing(config, command.name)
        users = config.policy_users(command.name)
        if users:
            raise Refused(f"policy `{command.name}` is in use by {', '.join(users)}; point those elsewhere first")
        return Edit(config.without_policy(command.name), PolicyRemoved(command.name), before=policy.to_record())

    return edit(console, invocation, "policy remove", remove)


def _existing(config: Configuration, name: str) -> EscalationPolicy:
    policy = config.policies.get(name)
    if policy is None:
        known = ", ".join(f"`{n}`" for n in sorted(config.policies)) or "none yet"
        raise Refused(f"there is no escalation policy `{name}` (policies: {known})")
    return policy


# ---------------------------------------------------------------------- registration
REGISTRY.add(Verb("policy set", "/klaxon policy set NAME level @user @group [after 5m]; level @ops-leads [after 2m]; "
                                f"[repeat 0-{MAX_POLICY_REPEAT}]", _set_policy, _run_set, admin=True), SetPolicy)
REGISTRY.add(Verb("policy show", "/klaxon policy show NAME", _show_policy, _run_show), ShowPolicy)
REGISTRY.add(Verb("policy list", "/klaxon policy list", _list_policies, _run_list), ListPolicies)
REGISTRY.add(Verb("policy use", "/klaxon policy use NAME in #channel\n/klaxon policy use NAME default", _use_policy,
                  _run_use, admin=True), UsePolicy)
REGISTRY.add(Verb("policy remove", "/klaxon policy remove NAME", _remove_policy, _run_remove, admin=True),
             RemovePolicy)
