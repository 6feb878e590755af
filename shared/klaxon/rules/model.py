"""Alert rules: what Klaxon does with a channel message whose text matches a pattern."""

import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from klaxon.alerts.external import SOURCES
from klaxon.rules.errors import RuleError
from klaxon.rules.patterns import compile_re2, format_pattern, parse_pattern, quote
from klaxon.rules.windows import TimeWindow

RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")
# Users (U, W on Enterprise Grid), bots (B), and monitoring sources as `webhook:<source>` (SPEC §5).
POSTER_ID = re.compile(r"[UWB][A-Z0-9]+|webhook:[a-z0-9_-]+")
MENTION = re.compile(r"[UWS][A-Z0-9]+|here|channel|everyone")  # users, user groups (S), broadcasts
MAX_NAME_LENGTH = 200
MAX_LABEL_LENGTH = 100
MAX_ACK_TIMEOUT_SECONDS = 7 * 24 * 3600


class Action(StrEnum):
    """What a matching rule does with the message."""

    ALERT = "alert"  # repost it to the target channel
    SUPPRESS = "suppress"  # known noise: mark the original handled and do nothing else


class ChannelDefault(StrEnum):
    """What a watched channel does with a message that matches no rule."""

    IGNORE = "ignore"
    ACK = "ack"  # mark it handled (IMS's filter-known-messages)
    ALERT = "alert"  # everything unknown is an incident (IMS's reverse mode)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One alert rule. `pattern` is the RE2 source, without the `/…/i` notation (see `pattern_text`).

    Empty `channels` or `posters` scopes admit every channel or poster. A rule is valid by
    construction: every constructor path checks it and raises RuleError naming the problem.
    """

    id: str
    name: str
    pattern: str
    target_channel: str
    ignore_case: bool = False
    window: TimeWindow | None = None
    channels: frozenset[str] = frozenset()
    posters: frozenset[str] = frozenset()
    action: Action = Action.ALERT
    label: str = ""
    hotline: tuple[str, ...] = ()
    policy: str | None = None
    ack_timeout_seconds: int | None = None
    enabled: bool = True
    # Imported from IMS: also matches what IMS matched (klaxon.rules.ims_import.ims_message_text), so
    # rules written against the JSON of a text-less message's attachments keep working.
    ims_matching: bool = False

    def __post_init__(self) -> None:
        _check_identity(self)
        compile_re2(self.pattern, ignore_case=self.ignore_case)
        _check_scopes(self)
        _check_escalation(self)

    @classmethod
    def create(
        cls,
        *,
        pattern: str,
        target_channel: str,
        name: str | None = None,
        label: str = "",
        window: TimeWindow | None = None,
        channels: Collection[str] = (),
        posters: Collection[str] = (),
        action: Action = Action.ALERT,
        hotline: Collection[str] = (),
        policy: str | None = None,
        ack_timeout_seconds: int | None = None,
        taken_ids: Collection[str] = frozenset(),
    ) -> "Rule":
        """A new rule from a pattern as the user wrote it (bare or `/…/i`), with a fresh id not in `taken_ids`.

        The name defaults to the pattern as written.
        """
        parsed = parse_pattern(pattern)
        return cls(
            id=new_rule_id(taken_ids),
            name=name if name is not None else pattern.strip(),
            pattern=parsed.source,
            ignore_case=parsed.ignore_case,
            target_channel=target_channel,
            label=label,
            window=window,
            channels=frozenset(channels),
            posters=frozenset(posters),
            action=action,
            hotline=tuple(hotline),
            policy=policy,
            ack_timeout_seconds=ack_timeout_seconds,
        )

    @property
    def pattern_text(self) -> str:
        """The pattern in the notation a user types: `disk full` or `/disk (full|\\d+%)/i`."""
        return format_pattern(self.pattern, self.ignore_case)

    def to_record(self) -> dict[str, object]:
        """A plain JSON-able dict (strings, numbers, lists, bools, None) for DynamoDB and YAML export."""
        return {
            "id": self.id,
            "name": self.name,
            "pattern": self.pattern,
            "ignore_case": self.ignore_case,
            "window": self.window.to_record() if self.window else None,
            "channels": sorted(self.channels),
            "posters": sorted(self.posters),
            "action": self.action.value,
            "target_channel": self.target_channel,
            "label": self.label,
            "hotline": list(self.hotline),
            "policy": self.policy,
            "ack_timeout_seconds": self.ack_timeout_seconds,
            "enabled": self.enabled,
            "ims_matching": self.ims_matching,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> "Rule":
        """Rebuild a rule from `to_record`'s dict (or a hand-edited export).

        `id`, `name`, `pattern`, `target_channel` and `action` are required; the other fields may be
        absent or None and take their defaults. Unknown fields and wrong types raise RuleError.
        """
        fields = _RecordFields(record)
        return cls(
            id=fields.text("id"),
            name=fields.text("name"),
            pattern=fields.text("pattern"),
            target_channel=fields.text("target_channel"),
            action=fields.action(),
            ignore_case=fields.flag("ignore_case", default=False),
            window=fields.window(),
            channels=frozenset(fields.texts("channels")),
            posters=frozenset(fields.texts("posters")),
            label=fields.optional_text("label") or "",
            hotline=tuple(fields.texts("hotline")),
            policy=fields.optional_text("policy"),
            ack_timeout_seconds=fields.optional_int("ack_timeout_seconds"),
            enabled=fields.flag("enabled", default=True),
            ims_matching=fields.flag("ims_matching", default=False),
        )


def new_rule_id(taken: Collection[str] = frozenset()) -> str:
    """A short random rule id such as `r-7f3a2c`, not one of `taken`; it never changes once given."""
    while True:
        candidate = f"r-{secrets.token_hex(3)}"
        if candidate not in taken:
            return candidate


def _check_identity(rule: Rule) -> None:
    if not RULE_ID.fullmatch(rule.id):
        raise RuleError(f'rule id "{quote(rule.id)}" must be 1 to 64 letters, digits, - or _')
    if not rule.name.strip() or len(rule.name) > MAX_NAME_LENGTH:
        raise RuleError(f"rule {rule.id}: the name must be 1 to {MAX_NAME_LENGTH} characters")
    if len(rule.label) > MAX_LABEL_LENGTH or "\n" in rule.label:
        raise RuleError(f"rule {rule.id}: the label must be one line of at most {MAX_LABEL_LENGTH} characters")
    if not isinstance(rule.action, Action):
        raise RuleError(f"rule {rule.id}: the action must be alert or suppress")


def _check_scopes(rule: Rule) -> None:
    for channel in (rule.target_channel, *sorted(rule.channels)):
        if not CHANNEL_ID.fullmatch(channel):
            raise RuleError(f'rule {rule.id}: "{quote(channel)}" is not a Slack channel id such as C0123ABCD')
    for poster in sorted(rule.posters):
        if not POSTER_ID.fullmatch(poster):
            raise RuleError(f'rule {rule.id}: "{quote(poster)}" is not a Slack user or bot id such as U0123ABCD, '
                            "nor a monitoring source such as webhook:generic")
        if poster.startswith("webhook:") and poster.removeprefix("webhook:") not in SOURCES:
            raise RuleError(f'rule {rule.id}: "{quote(poster)}" names no monitoring source; '
                            f"known: {', '.join(f'webhook:{source}' for source in SOURCES)}")
    for mention in rule.hotline:
        if not MENTION.fullmatch(mention):
            raise RuleError(
                f'rule {rule.id}: hotline "{quote(mention)}" must be a user id (U…), a user group id (S…), '
                "here, channel or everyone"
            )


def _check_escalation(rule: Rule) -> None:
    if rule.policy is not None and not 0 < len(rule.policy.strip()) <= MAX_NAME_LENGTH:
        raise RuleError(f"rule {rule.id}: the escalation policy name must be 1 to {MAX_NAME_LENGTH} characters")
    timeout = rule.ack_timeout_seconds
    if timeout is None:
        return
    if rule.policy is None:
        raise RuleError(f"rule {rule.id}: an ack timeout needs an escalation policy to page")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 0 < timeout <= MAX_ACK_TIMEOUT_SECONDS:
        raise RuleError(f"rule {rule.id}: the ack timeout must be 1 to {MAX_ACK_TIMEOUT_SECONDS} seconds")


class _RecordFields:
    """Typed, strict reads of one rule record; errors name the rule and the field."""

    REQUIRED = frozenset({"id", "name", "pattern", "target_channel", "action"})
    OPTIONAL = frozenset(
        {"ignore_case", "window", "channels", "posters", "label", "hotline", "policy", "ack_timeout_seconds", "enabled",
         "ims_matching"}
    )

    def __init__(self, record: Mapping[str, object]) -> None:
        if not isinstance(record, Mapping):
            raise RuleError("a rule record must be a mapping of field names to values")
        self.record = record
        rule_id = record.get("id")
        self.prefix = f"rule {quote(rule_id)}" if isinstance(rule_id, str) else "rule record"
        missing = sorted(self.REQUIRED - set(record))
        unknown = sorted(set(record) - self.REQUIRED - self.OPTIONAL, key=str)
        if missing:
            raise RuleError(f"{self.prefix}: missing field(s) {', '.join(missing)}")
        if unknown:
            raise RuleError(f"{self.prefix}: unknown field(s) {', '.join(map(str, unknown))}")

    def text(self, key: str) -> str:
        value = self.record[key]
        if not isinstance(value, str):
            raise self._wrong(key, "text")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.record.get(key) is None else self.text(key)

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.record.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false")
        return value

    def texts(self, key: str) -> list[str]:
        value = self.record.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong(key, "a list of ids")
        return [str(item) for item in value]

    def optional_int(self, key: str) -> int | None:
        value = self.record.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        # DynamoDB hands numbers back as Decimal.
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            return int(value)
        raise self._wrong(key, "a whole number")

    def action(self) -> Action:
        value = self.record["action"]
        if value not in tuple(Action):
            raise self._wrong("action", "alert or suppress")
        return Action(str(value))

    def window(self) -> TimeWindow | None:
        value = self.record.get("window")
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self._wrong("window", "a time window record")
        try:
            return TimeWindow.from_record(value)
        except RuleError as exc:
            raise RuleError(f"{self.prefix}: {exc}") from None

    def _wrong(self, key: str, expected: str) -> RuleError:
        return RuleError(f"{self.prefix}: field {key} must be {expected}, not {quote(repr(self.record[key]))}")
