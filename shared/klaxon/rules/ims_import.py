"""Import of IMS's rule file (IMS.ini), so teams moving from IMS keep their rules.

The format (IMS's README and its source): INI-style `[Section]` headers; inside, one entry a line with
fields separated by tabs; blank lines and lines starting with `#` are ignored.

  [Rules]      MESSAGE_REGEX  TIME_REGEX  INCIDENT                      (README form)
               MESSAGE_REGEX  TIME_REGEX  LABEL  INCIDENT  [HOTLINE]    (later IMS versions)
  [Incidents]  INCIDENT  CHANNEL  [LABEL]  LIMIT    an incidents channel; LIMIT (history depth) is not used
               DEFAULT   CHANNEL  LABEL             where reverse mode posts unknown messages
  [Hotline]    HOTLINE  USER…                       users (or here, channel, everyone) mentioned by a rule
  [Label]      REACTION                             the handled reaction
  [Report]     CHANNEL                              where IMS posted its list of unhandled alerts
  [PostID]     USER                                 IMS only checked messages from these posters
  [Reacji], [Reminder]                              not imported; reported in `notes`

How IMS's behaviour maps onto Klaxon:
- Each [Rules] line becomes an alert rule, in file order (IMS also took the first match). TIME_REGEX
  becomes an IMS-style time window in `zone` (IMS used its host's local time).
- IMS matched a message's own text as Slack sent it or, when the message had no text, the JSON of its
  attachments (`ims_message_text`), so IMS users wrote rules such as `"color":"danger"`. Imported rules
  keep that (`Rule.ims_matching`): each also matches what IMS matched, besides the text Klaxon gathers.
- Messages matching no rule: IMS marked them handled (a Klaxon channel default of `ack`). With IMS's
  `-reverse` flag (`reverse=True`) rules mark known noise instead (action suppress) and unknown messages
  are reposted to the DEFAULT channel (default `alert`).
- [PostID] becomes every rule's poster scope; an empty [PostID] means every poster.
- CHANNEL and USER may be ids or names; names are looked up with `channel_id` / `user_id` (name → id, or None).

Any malformed line raises RuleError naming its line number, and nothing is returned.
"""

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from klaxon.rules.errors import RuleError
from klaxon.rules.limits import check_rule_count, check_rule_file_size
from klaxon.rules.model import CHANNEL_ID, POSTER_ID, Action, ChannelDefault, Rule, new_rule_id
from klaxon.rules.windows import ClockPattern, TimeWindow

type Lookup = Callable[[str], str | None]
"""A name → its Slack id, or None (the workspace's directory)."""

_SECTION = re.compile(r"\[([A-Za-z]+)\]")
_REACTION = re.compile(r"[a-z0-9_+'-]+")
_BROADCASTS = frozenset({"here", "channel", "everyone"})
_NOT_IMPORTED = {"Reacji": "Slack's reacji channeler mode", "Reminder": "reminder hours (set them in Klaxon)"}
_DEFAULT = "DEFAULT"
MATCHING_NOTE = ("the rules match what IMS matched (a message's text or, without text, its attachments' JSON) "
                 "and also the text Klaxon reads in blocks and attachments, which IMS did not read: a rule may "
                 "now take a message IMS let pass, never the other way round")


@dataclass(frozen=True)
class ImsImport:
    """What an IMS.ini becomes in Klaxon."""

    rules: tuple[Rule, ...]
    unmatched: ChannelDefault  # for every watched channel: what happens to messages matching no rule
    unmatched_channel: str | None  # reverse mode: where unknown messages are reposted
    unmatched_label: str | None
    handled_reaction: str | None
    report_channel: str | None
    notes: tuple[str, ...]  # what was not imported, in plain words


@dataclass
class _Line:
    number: int
    fields: list[str]


@dataclass
class _Sections:
    lines: dict[str, list[_Line]] = field(default_factory=dict)

    def of(self, name: str) -> list[_Line]:
        return self.lines.get(name, [])


def import_ims(
    text: str,
    *,
    zone: str = "UTC",
    reverse: bool = False,
    channel_id: Lookup = lambda name: None,
    user_id: Lookup = lambda name: None,
    taken_ids: Collection[str] = frozenset(),
) -> ImsImport:
    """Read an IMS.ini into rules and channel defaults; RuleError names the first bad line."""
    check_rule_file_size(text)
    sections = _read_sections(text)
    check_rule_count(len(sections.of("Rules")))
    names = _Names(channel_id, user_id)
    incidents = _incidents(sections.of("Incidents"), names)
    default = incidents.pop(_DEFAULT, None)
    if reverse and default is None:
        raise RuleError("reverse mode needs a DEFAULT line in [Incidents] naming where unknown messages go")
    hotlines = _hotlines(sections.of("Hotline"), names)
    posters = frozenset(names.user(line.fields[0], line.number) for line in sections.of("PostID"))
    context = _RuleContext(incidents, hotlines, posters, zone, reverse, set(taken_ids))
    rules = tuple(_rule(line, context) for line in sections.of("Rules"))
    return ImsImport(
        rules=rules,
        unmatched=ChannelDefault.ALERT if reverse else ChannelDefault.ACK,
        unmatched_channel=default.channel if reverse and default else None,
        unmatched_label=default.label if reverse and default else None,
        handled_reaction=_last_single(sections.of("Label"), "Label", _reaction),
        report_channel=_last_single(sections.of("Report"), "Report", names.channel),
        notes=(*(MATCHING_NOTE for _ in rules[:1]),
               *(f"[{name}] is not imported: {why}" for name, why in _NOT_IMPORTED.items() if sections.of(name))),
    )


def _read_sections(text: str) -> _Sections:
    sections = _Sections()
    current: list[_Line] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.fullmatch(line)
        if header:
            current = _section(sections, header[1], number)
        elif current is None:
            raise RuleError(f"line {number}: an entry before any [Section] header")
        else:
            current.append(_Line(number, _fields(raw, number)))
    return sections


def _section(sections: _Sections, name: str, number: int) -> list[_Line]:
    known = ("Rules", "Incidents", "Label", "Report", "PostID", "Hotline", *_NOT_IMPORTED)
    if name not in known:
        raise RuleError(f"line {number}: unknown section [{name}]; IMS.ini has {', '.join(f'[{k}]' for k in known)}")
    return sections.lines.setdefault(name, [])


def _fields(raw: str, number: int) -> list[str]:
    fields = [item.strip() for item in raw.split("\t")]
    if any(not item for item in fields):
        raise RuleError(f"line {number}: an empty field (fields are separated by exactly one tab)")
    return fields


@dataclass(frozen=True)
class _Incident:
    channel: str
    label: str


def _incidents(lines: list[_Line], names: "_Names") -> dict[str, _Incident]:
    incidents: dict[str, _Incident] = {}
    for line in lines:
        name, *rest = line.fields
        if name in incidents:
            raise RuleError(f"line {line.number}: incident {name} is defined twice")
        incidents[name] = _incident(line, rest, names)
    return incidents


def _incident(line: _Line, rest: list[str], names: "_Names") -> _Incident:
    is_default = line.fields[0] == _DEFAULT
    if is_default and len(rest) == 2:
        return _Incident(names.channel(rest[0], line.number), rest[1])
    if not is_default and len(rest) in (2, 3) and rest[-1].isdigit():
        return _Incident(names.channel(rest[0], line.number), rest[1] if len(rest) == 3 else "")
    expected = "DEFAULT, CHANNEL, LABEL" if is_default else "INCIDENT, CHANNEL, [LABEL,] LIMIT (a number)"
    raise RuleError(f"line {line.number}: [Incidents] expects {expected}, tab-separated")


def _hotlines(lines: list[_Line], names: "_Names") -> dict[str, tuple[str, ...]]:
    hotlines: dict[str, tuple[str, ...]] = {}
    for line in lines:
        name, *users = line.fields
        if name in hotlines:
            raise RuleError(f"line {line.number}: hotline {name} is defined twice")
        if not users:
            raise RuleError(f"line {line.number}: hotline {name} names nobody to mention")
        hotlines[name] = tuple(user if user in _BROADCASTS else names.user(user, line.number) for user in users)
    return hotlines


@dataclass
class _RuleContext:
    incidents: dict[str, _Incident]
    hotlines: dict[str, tuple[str, ...]]
    posters: frozenset[str]
    zone: str
    reverse: bool
    taken_ids: set[str]


def _rule(line: _Line, context: _RuleContext) -> Rule:
    fields = line.fields
    if len(fields) not in (3, 4, 5):
        raise RuleError(
            f"line {line.number}: a rule is MESSAGE_REGEX, TIME_REGEX, [LABEL,] INCIDENT[, HOTLINE], "
            f"tab-separated; found {len(fields)} field(s)"
        )
    pattern, time_regex = fields[0], fields[1]
    incident_name = fields[2] if len(fields) == 3 else fields[3]
    incident = context.incidents.get(incident_name)
    if incident is None:
        raise RuleError(f"line {line.number}: the rule sends to {incident_name}, which [Incidents] does not define")
    label = fields[2] if len(fields) >= 4 else incident.label
    hotline = _hotline(fields[4], context.hotlines, line.number) if len(fields) == 5 else ()
    try:
        rule = Rule(
            id=new_rule_id(context.taken_ids),
            name=f"IMS.ini line {line.number}",
            pattern=pattern,
            target_channel=incident.channel,
            window=TimeWindow(ClockPattern(time_regex), zone=context.zone),
            posters=context.posters,
            action=Action.SUPPRESS if context.reverse else Action.ALERT,
            label=label,
            hotline=hotline,
            ims_matching=True,
        )
    except RuleError as exc:
        raise RuleError(f"line {line.number}: {exc}") from None
    context.taken_ids.add(rule.id)
    return rule


def _hotline(name: str, hotlines: dict[str, tuple[str, ...]], number: int) -> tuple[str, ...]:
    if name not in hotlines:
        raise RuleError(f"line {number}: the rule names hotline {name}, which [Hotline] does not define")
    return hotlines[name]


def _last_single[T](lines: list[_Line], section: str, read: Callable[[str, int], T]) -> T | None:
    """Sections holding one value: IMS kept the last line."""
    value = None
    for line in lines:
        if len(line.fields) != 1:
            raise RuleError(f"line {line.number}: [{section}] holds one value a line")
        value = read(line.fields[0], line.number)
    return value


def _reaction(name: str, number: int) -> str:
    reaction = name.strip(":")
    if not _REACTION.fullmatch(reaction):
        raise RuleError(f'line {number}: "{name}" is not a reaction name such as white_check_mark')
    return reaction


class _Names:
    """Ids pass through; names are looked up in the workspace's directory."""

    def __init__(self, channel_id: Lookup, user_id: Lookup) -> None:
        self.channel_id = channel_id
        self.user_id = user_id

    def channel(self, value: str, number: int) -> str:
        if CHANNEL_ID.fullmatch(value):
            return value
        return self._look_up(self.channel_id, value.removeprefix("#"), "channel", number)

    def user(self, value: str, number: int) -> str:
        if POSTER_ID.fullmatch(value):
            return value
        return self._look_up(self.user_id, value.removeprefix("@"), "user", number)

    @staticmethod
    def _look_up(lookup: Lookup, name: str, kind: str, number: int) -> str:
        found = lookup(name)
        if found is None:
            raise RuleError(f'line {number}: "{name}" is neither a {kind} id nor a known {kind} name')
        return found


# ---------------------------------------------------------------------- what IMS matched
# IMS (Go, slack-go v0.9.1) read a message event into slack-go's Attachment struct and matched its rules
# against json.Marshal of the attachments when the text was empty. The keys below are that struct's, in
# its order; "omit" marks `omitempty` (left out when empty, zero or false). Unknown keys were dropped.
_ATTACHMENT_KEYS: tuple[tuple[str, bool], ...] = (
    ("color", True), ("fallback", True), ("callback_id", True), ("id", True), ("author_id", True),
    ("author_name", True), ("author_subname", True), ("author_link", True), ("author_icon", True),
    ("title", True), ("title_link", True), ("pretext", True), ("text", True), ("image_url", True),
    ("thumb_url", True), ("service_name", True), ("service_icon", True), ("from_url", True),
    ("original_url", True), ("fields", True), ("actions", True), ("mrkdwn_in", True), ("blocks", True),
    ("footer", True), ("footer_icon", True), ("ts", True),
)
_ACTION_KEYS = (("name", False), ("text", False), ("style", True), ("type", False), ("value", True), ("url", True))
# Go's encoder escapes these inside strings (HTML safety), so IMS rules never saw a raw <, > or &.
_GO_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                             "\u2029": "\\u2029"})


def ims_message_text(message: object) -> str | None:
    """What IMS matched its rules against: the message's text as Slack sent it (mrkdwn, entities escaped),
    or, when that is empty, its attachments as Go's json.Marshal wrote them (`[{"color":"danger",…}]`);
    None when there is neither (IMS skipped such a message).

    Blocks inside attachments and interactive actions' menus are written as Slack sent them, so their key
    order may differ from slack-go's.
    """
    if not isinstance(message, Mapping):
        return None
    text = message.get("text")
    if isinstance(text, str) and text:
        return text
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return None
    shaped = [_go_struct(item, _ATTACHMENT_KEYS) for item in attachments if isinstance(item, Mapping)]
    encoded = json.dumps(shaped, ensure_ascii=False, separators=(",", ":"))
    return encoded.translate(_GO_ESCAPES)


def _go_struct(item: Mapping[str, Any], keys: tuple[tuple[str, bool], ...]) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    for key, omit_empty in keys:
        value = _go_value(key, item.get(key))
        if value is not None and not (omit_empty and value in ("", 0, [], False)):
            shaped[key] = value
    return shaped


def _go_value(key: str, value: Any) -> Any:
    if key == "fields":
        return [{"title": _go_string(f.get("title")), "value": _go_string(f.get("value")),
                 "short": f.get("short") is True} for f in _go_list(value) if isinstance(f, Mapping)]
    if key == "actions":
        return [_go_struct(a, _ACTION_KEYS) for a in _go_list(value) if isinstance(a, Mapping)]
    if key == "mrkdwn_in":
        return [item for item in _go_list(value) if isinstance(item, str)]
    if key == "blocks":
        return _go_list(value)
    if key in ("id", "ts"):  # numbers (Slack sends ts as a number or a numeric string)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else _numeric(value)
    return _go_string(value)


def _go_string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _go_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _numeric(value: object) -> int | float | None:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None
