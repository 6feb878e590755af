"""Klaxon's configuration as YAML: `/klaxon export` writes it, `/klaxon import` reads it back.

Everything a team configures round-trips - rules, channel defaults, every setting, escalation policies and
which channels use them, keyword replies - and the silences in force (host mutes are silences of
`host=<name>`), so a team can keep it as code and restore it into a new stack: export, import into an empty
stack, export again, and the two documents are the same.

Written for people to keep in a repository and edit: patterns in the `/…/i` notation they type,
windows as the text `when` takes, durations in seconds, silences' matchers as `/klaxon silence` takes them and
their times in ISO-8601 with a zone. Reading is strict: any unknown key or bad value is an error naming where
it is (`rules[2].when: unknown time zone "Asia/Tokio"`), and nothing of a bad file is applied.

Reading is also bounded, because an import is whatever an admin pastes: the file's size and rule count
are capped (klaxon.rules.limits), nesting is capped, and YAML aliases (`*name`) are refused. An export
never writes them, and they are how a few hundred bytes expand into gigabytes: ten references to a list
of ten references to … (YAML 1.1 spec, §3.2.2.2 "Anchors and Aliases"; the "billion laughs").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import yaml

from klaxon.configuration.model import Configuration, ConfigurationError, Preferences
from klaxon.incidents.keywords import MAX_KEYWORDS, KeywordReply
from klaxon.paging.policies import EscalationPolicy, PolicyError
from klaxon.rules import Action, ChannelDefault, Rule, RuleError, TimeWindow, parse_pattern
from klaxon.rules.limits import check_rule_count, check_rule_file_size
from klaxon.rules.patterns import quote
from klaxon.silences.matchers import parse_matchers
from klaxon.silences.model import Silence

FORMAT_VERSION = 1
# An export nests six deep (policies → a policy → levels → a level → handlers); the YAML composer
# recurses once per level, so a paste of 100,000 `[` would otherwise exhaust the stack.
MAX_NESTING = 16
# Silences are restored in the import's one transaction, beside the configuration's few items: DynamoDB takes
# 100 writes in a transaction (klaxon/dynamo/configuration.py).
MAX_SILENCES = 90
_RULE_KEYS = {"id", "name", "pattern", "to", "label", "when", "action", "in", "from", "hotline", "policy",
              "ack_timeout", "enabled", "ims"}


class RulesAsCodeError(ValueError):
    """The YAML is not a valid Klaxon configuration; the message says where and why."""


@dataclass(frozen=True)
class ImportedConfiguration:
    rules: tuple[Rule, ...]
    channel_defaults: dict[str, ChannelDefault]
    preferences: Preferences
    policies: dict[str, EscalationPolicy]
    channel_policies: dict[str, str]
    default_policy: str | None
    keywords: tuple[KeywordReply, ...]
    silences: tuple[Silence, ...] = ()


def export_yaml(config: Configuration, silences: Sequence[Silence] = ()) -> str:
    """The configuration, and `silences` (those in force: the caller picks them), as YAML that `import_yaml` reads
    back to the same rules, defaults, settings, policies, keyword replies and silences."""
    document = {
        "klaxon": FORMAT_VERSION,
        "rules": [_rule_document(rule) for rule in config.rules],
        "channels": {channel: str(default) for channel, default in sorted(config.channel_defaults.items())},
        "settings": config.preferences.to_record(),
        "policies": [policy.to_record() for _, policy in sorted(config.policies.items())],
        "paging": {"channels": dict(sorted(config.channel_policies.items())), "default": config.default_policy},
        "keywords": [keyword.to_record() for keyword in config.keywords],
        "silences": [_silence_document(silence) for silence in sorted(silences, key=lambda s: (s.ends_at, s.id))],
    }
    return str(yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120))


_LINE_SEPARATORS = ("\x85", "\u2028", "\u2029")  # breaks a line in YAML (1.1 spec, §5.4), not in Klaxon's text


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML ships no type information
    """PyYAML's safe dumper, writing double-quoted (as escapes) the text it would otherwise lose:
    - Unicode's line separators: written plain or single-quoted, PyYAML folds them into a space when read back;
    - text beginning or ending in a space PyYAML does not quote (U+00A0, U+3000, …): written plain, it is lost
      wherever a line's or a message's ends are trimmed - the import's paste, an editor saving the file."""


def _text_representer(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    loses = any(separator in text for separator in _LINE_SEPARATORS) or text[:1].isspace() or text[-1:].isspace()
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"' if loses else None)


_Dumper.add_representer(str, _text_representer)


def import_yaml(text: str) -> ImportedConfiguration:
    """Read an export (possibly hand-edited); RulesAsCodeError names the first problem.

    Refused before anything is built: more than MAX_RULE_FILE_BYTES or MAX_RULES (klaxon.rules.limits),
    nesting deeper than MAX_NESTING, and any alias.
    """
    document = _read_document(text)
    if not isinstance(document, dict) or document.get("klaxon") != FORMAT_VERSION:
        raise RulesAsCodeError(f"not a Klaxon export: it must start with `klaxon: {FORMAT_VERSION}`")
    unknown = set(document) - {"klaxon", "rules", "channels", "settings", "policies", "paging", "keywords", "silences"}
    if unknown:
        raise RulesAsCodeError(f"unknown sections: {', '.join(sorted(map(str, unknown)))}")
    rule_items = _list(document.get("rules"), "rules")
    _check(check_rule_count, len(rule_items))
    rules = tuple(_rule(item, f"rules[{n}]") for n, item in enumerate(rule_items))
    _unique_ids(rules)
    policies = _policies(document.get("policies"))
    paging = document.get("paging") or {}
    if not isinstance(paging, Mapping):
        raise RulesAsCodeError("paging: a mapping with channels (channel id → policy) and default")
    channel_policies = {str(k): str(v) for k, v in (paging.get("channels") or {}).items()}
    default_policy = paging.get("default") or None
    preferences = _settings(document.get("settings") or {})
    # Every place a policy is named, as `/klaxon policy delete` lists them (Configuration.policy_users): a
    # reference to no policy would page nobody, silently.
    for name in [*channel_policies.values(), *([default_policy] if default_policy else []),
                 *(rule.policy for rule in rules if rule.policy), *preferences.source_policies.values()]:
        if name not in policies:
            raise RulesAsCodeError(f"policy `{name}` is used but not defined under policies")
    return ImportedConfiguration(rules=rules, channel_defaults=_channels(document.get("channels") or {}),
                                 preferences=preferences, policies=policies,
                                 channel_policies=channel_policies, default_policy=default_policy,
                                 keywords=_keywords(document.get("keywords")),
                                 silences=_silences(document.get("silences")))


class _BoundedLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no type information
    """PyYAML's safe loader, refusing aliases and nesting deeper than MAX_NESTING as it composes."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, f"an alias (*{quote(event.anchor)}) is not accepted; write the value out in full",
                event.start_mark)
        if self.depth >= MAX_NESTING:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_NESTING} deep; a Klaxon export nests 6", event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _read_document(text: str) -> Any:
    _check(check_rule_file_size, text)
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RulesAsCodeError(f"not valid YAML{where}: {error.problem or error.context}") from None
    except (yaml.YAMLError, ValueError) as error:
        # ValueError: a scalar YAML resolves but Python cannot build, such as a date 2026-13-01 or an
        # integer of more than 4,300 digits.
        raise RulesAsCodeError(f"not valid YAML: a value cannot be read ({error})") from None
    finally:
        loader.dispose()


def _check[T](check: Callable[[T], None], value: T) -> None:
    """A limit of klaxon.rules.limits, refused in this module's own error."""
    try:
        check(value)
    except RuleError as error:
        raise RulesAsCodeError(str(error)) from None


def _policies(section: Any) -> dict[str, EscalationPolicy]:
    found = {}
    for n, record in enumerate(_list(section, "policies")):
        try:
            policy = EscalationPolicy.from_record(record)
        except (PolicyError, ValueError, TypeError, AttributeError) as error:
            raise RulesAsCodeError(f"policies[{n}]: {error}") from error
        found[policy.name] = policy
    return found


def _keywords(section: Any) -> tuple[KeywordReply, ...]:
    items = _list(section, "keywords")
    if len(items) > MAX_KEYWORDS:
        raise RulesAsCodeError(f"keywords: at most {MAX_KEYWORDS}, not {len(items)}")
    return _by_id(items, "keywords", "keyword replies", _keyword)


def _keyword(record: Any) -> KeywordReply:
    if not isinstance(record, Mapping) or set(record) != {"id", "phrase", "reply"}:
        raise ValueError("a mapping of id, phrase and reply")
    return KeywordReply.from_record(record)


_SILENCE_KEYS = {"id", "matchers", "starts_at", "ends_at", "created_by", "comment"}


def _silence_document(silence: Silence) -> dict[str, Any]:
    return {"id": silence.id, "matchers": ", ".join(str(matcher) for matcher in silence.matchers),
            "starts_at": silence.starts_at.isoformat(), "ends_at": silence.ends_at.isoformat(),
            "created_by": silence.created_by, "comment": silence.comment}


def _silences(section: Any) -> tuple[Silence, ...]:
    items = _list(section, "silences")
    if len(items) > MAX_SILENCES:
        raise RulesAsCodeError(f"silences: an import restores at most {MAX_SILENCES}, not {len(items)}")
    return _by_id(items, "silences", "silences", _silence)


def _silence(item: Any) -> Silence:
    if not isinstance(item, Mapping) or not _SILENCE_KEYS - {"comment"} <= set(item) <= _SILENCE_KEYS:
        raise ValueError("a mapping of id, matchers, starts_at, ends_at, created_by and, if it has one, comment")
    return Silence.restored(str(item["id"]), parse_matchers(str(item["matchers"])),
                            starts_at=_moment(item["starts_at"]), ends_at=_moment(item["ends_at"]),
                            by=str(item["created_by"]), comment=str(item.get("comment") or ""))


def _by_id[T: (KeywordReply, Silence)](items: list[Any], where: str, plural: str,
                                      read: Callable[[Any], T]) -> tuple[T, ...]:
    """Each item read (a problem named `where[n]: …`), in order; two with one id are refused."""
    found: dict[str, T] = {}
    for n, item in enumerate(items):
        try:
            made = read(item)
        except ValueError as error:  # KeywordError and SilenceError are ValueErrors too
            raise RulesAsCodeError(f"{where}[{n}]: {error}") from error
        if made.id in found:
            raise RulesAsCodeError(f"two {plural} share the id {made.id}")
        found[made.id] = made
    return tuple(found.values())


def _moment(value: Any) -> datetime:
    """A time as ISO-8601 with a zone (YAML may have read it as a timestamp already)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"{value} has no time zone (write it as the export does: 2026-11-29T10:00:00+00:00)")
    return moment


def _rule_document(rule: Rule) -> dict[str, Any]:
    document: dict[str, Any] = {"id": rule.id, "name": rule.name, "pattern": rule.pattern_text,
                                "to": rule.target_channel}
    optional = {
        "label": rule.label, "when": rule.window.describe() if rule.window else None,
        "action": str(rule.action) if rule.action is not Action.ALERT else None,
        "in": sorted(rule.channels), "from": sorted(rule.posters), "hotline": list(rule.hotline),
        "policy": rule.policy, "ack_timeout": rule.ack_timeout_seconds,
        "enabled": False if not rule.enabled else None, "ims": True if rule.ims_matching else None,
    }
    document.update({key: value for key, value in optional.items() if value not in (None, "", [])})
    return document


def _rule(item: Any, where: str) -> Rule:
    if not isinstance(item, dict):
        raise RulesAsCodeError(f"{where}: a rule is a mapping of keys such as pattern and to")
    unknown = set(item) - _RULE_KEYS
    if unknown:
        raise RulesAsCodeError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    try:
        pattern = parse_pattern(_text(item, "pattern", where))
        return Rule(
            id=_text(item, "id", where), name=str(item.get("name") or item["pattern"]),
            pattern=pattern.source, ignore_case=pattern.ignore_case, target_channel=_text(item, "to", where),
            label=str(item.get("label") or ""),
            window=TimeWindow.parse(str(item["when"])) if item.get("when") else None,
            action=Action(item.get("action", "alert")),
            channels=frozenset(_list(item.get("in"), f"{where}.in")),
            posters=frozenset(_list(item.get("from"), f"{where}.from")),
            hotline=tuple(_list(item.get("hotline"), f"{where}.hotline")),
            policy=item.get("policy"), ack_timeout_seconds=item.get("ack_timeout"),
            enabled=bool(item.get("enabled", True)), ims_matching=item.get("ims") is True,
        )
    except (RuleError, ValueError, TypeError) as error:
        raise RulesAsCodeError(f"{where}: {error}") from error


def _channels(section: Any) -> dict[str, ChannelDefault]:
    if not isinstance(section, Mapping):
        raise RulesAsCodeError("channels: a mapping of channel id to ignore, ack or alert")
    try:
        return {str(channel): ChannelDefault(str(default)) for channel, default in section.items()}
    except ValueError as error:
        raise RulesAsCodeError(f"channels: {error}; a default is ignore, ack or alert") from error


def _settings(section: Any) -> Preferences:
    if not isinstance(section, Mapping):
        raise RulesAsCodeError("settings: a mapping of setting to value")
    try:
        return Preferences.from_record(section)
    except (ConfigurationError, TypeError) as error:
        raise RulesAsCodeError(f"settings: {error}") from error


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str | int) or not str(value).strip():
        raise RulesAsCodeError(f"{where}: `{key}` is required")
    return str(value)


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RulesAsCodeError(f"{where}: expected a list")
    return value


def _unique_ids(rules: tuple[Rule, ...]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RulesAsCodeError(f"two rules share the id {rule.id}")
        seen.add(rule.id)


def apply_import(config: Configuration, imported: ImportedConfiguration) -> Configuration:
    """The file is the truth: its rules, channel defaults and settings replace the current ones."""
    return replace(config, rules=imported.rules, channel_defaults=imported.channel_defaults,
                   preferences=imported.preferences, policies=imported.policies,
                   channel_policies=imported.channel_policies, default_policy=imported.default_policy,
                   keywords=imported.keywords)
