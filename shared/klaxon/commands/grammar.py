"""The `/klaxon` slash command's grammar: the text Slack sends in, one typed command out.

Pure: no I/O. `parse_command` returns one of the frozen command classes of `klaxon.commands.model`,
or raises CommandError naming the problem in plain words with the usage of the command that was meant. References stay
unresolved (`ChannelRef`, `MentionRef`): looking names up in the workspace is the service's job.

Words are separated by any whitespace; keywords (commands, options, `top`, `off` …) are read in any
case; rule ids, names in quotes and patterns are taken as written.
"""

import difflib
import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from itertools import takewhile
from typing import Any

from klaxon.commands.durations import DurationError, parse_duration
from klaxon.commands.model import (
    DEFAULT_AUDIT_LIMIT,
    DEFAULT_LEVEL_WAIT_SECONDS,
    AddRule,
    Command,
    CommandError,
    EnableRule,
    Export,
    Help,
    Import,
    ImportFormat,
    ListPolicies,
    ListRules,
    MoveRule,
    Placement,
    PolicyLevel,
    RemovePolicy,
    RemoveRule,
    SetChannelDefault,
    SetDigestAfter,
    SetDmReply,
    SetGroupingWindow,
    SetHandledReactions,
    SetPagingChannels,
    SetPolicy,
    SetReconcileLimit,
    SetReminderChannel,
    SetReminderHours,
    SetVerbose,
    ShowAudit,
    ShowPolicy,
    ShowReport,
    ShowSettings,
    TestRule,
    UsePolicy,
    Where,
)
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
from klaxon.rules import Action, ChannelDefault, RuleError, TimeWindow, parse_pattern
from klaxon.rules.model import RULE_ID
from klaxon.rules.patterns import quote, read_slashed
from klaxon.rules.windows import load_zone, normalise_zone, parse_clock

MAX_AUDIT_LIMIT = 50
MAX_RECONCILE_LIMIT = 50
MAX_POLICY_REPEAT = 10
POLICY_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")

_USAGE_LINES: dict[str, tuple[str, ...]] = {
    "rule": (
        '/klaxon rule add <pattern> to #channel [label "<text>"] [when <window>] [suppress] [in #channel …] '
        '[from @user|@bot|B0123 …] [hotline @user @group @here …] [policy NAME] [ack-timeout 5m] [name "<text>"]',
        "/klaxon rule list",
        "/klaxon rule test <message text, a message link, or a message's JSON>",
        "/klaxon rule remove <rule-id>",
        "/klaxon rule enable <rule-id>",
        "/klaxon rule disable <rule-id>",
        "/klaxon rule move <rule-id> top|bottom|<position>|before <rule-id>|after <rule-id>",
    ),
    "channel": ("/klaxon channel #channel default ignore|ack|alert",),
    "policy": (
        "/klaxon policy set NAME level @user @group [after 5m]; level @ops-leads [after 2m]; [repeat 0-10]",
        "/klaxon policy show NAME",
        "/klaxon policy list",
        "/klaxon policy use NAME in #channel",
        "/klaxon policy use NAME default",
        "/klaxon policy remove NAME",
    ),
    "settings": (
        "/klaxon settings",
        "/klaxon settings handled-reactions :white_check_mark: :heavy_check_mark: …",
        "/klaxon settings digest-after 15m",
        "/klaxon settings verbose on|off",
        "/klaxon settings reminder-channel #channel|off",
        "/klaxon settings reminder-hours 09:00 17:30 [Asia/Tokyo]|off",
        "/klaxon settings reconcile-limit 0-50",
        "/klaxon settings grouping-window 10m",
        "/klaxon settings paging-channels #channel … | all",
        '/klaxon settings dm-reply "<text>" | default',
    ),
    "import": ("/klaxon import [ims|yaml] <IMS.ini text or Klaxon YAML export>",),
    "export": ("/klaxon export",),
    "audit": (f"/klaxon audit [1-{MAX_AUDIT_LIMIT}]",),
    "report": ("/klaxon report",),
    "help": ("/klaxon help [rule|channel|policy|settings|import|export|audit|report]",),
}
USAGE: dict[str, str] = {topic: "\n".join(lines) for topic, lines in _USAGE_LINES.items()}
"""Usage lines per help topic, for `Help` and for the usage shown with every CommandError."""

_WORD = re.compile(r"(?:<[^<>]*>|\S)+")  # Slack's <…> markup is one word even with spaces inside
_OPEN_QUOTES = "\"“”„"  # Slack clients often turn a typed " into curly quotes
_CLOSE_QUOTES = "\"“”"
_CLOSE_QUOTE = re.compile(f"[{_CLOSE_QUOTES}]")
_TO = re.compile(r"(?<!\S)to(?=\s)", re.IGNORECASE)
_CLOCK_REGEX_START = re.compile(r"\s*(?:not\s+)?ims:(?=/)", re.IGNORECASE)
_NUMBER = re.compile(r"[0-9]+")
_CLOCK_TIME = re.compile(r"[0-9]{1,2}:[0-9]{2}")
_REACTION = re.compile(r"[a-z0-9_+'-]+(?:::skin-tone-[2-6])?")
_CODE_FENCE = re.compile(r"```(?:[a-z]+\n)?\n?(.*?)\n?```", re.DOTALL)  # a pasted ```code block```
_LEVEL_BREAK = re.compile(r"[;\n]")


class _Words:
    """A cursor over command text, word by word; the raw text stays at hand for patterns and windows."""

    def __init__(self, text: str, position: int = 0) -> None:
        self.text = text
        self.position = position

    def peek(self) -> str | None:
        found = _WORD.search(self.text, self.position)
        return found.group() if found else None

    def next(self) -> str | None:
        found = _WORD.search(self.text, self.position)
        if found is None:
            return None
        self.position = found.end()
        return found.group()

    def rest(self) -> str:
        """Everything not read yet, as written (whitespace inside kept)."""
        rest = self.text[self.position :].strip()
        self.position = len(self.text)
        return rest

    def all(self) -> list[str]:
        """The words not read yet."""
        return _WORD.findall(self.rest())

    def quoted(self) -> str | None:
        """Text between straight or curly double quotes, if the next word opens with one; else None."""
        unread = self.text[self.position :]
        start = len(self.text) - len(unread.lstrip())
        if start == len(self.text) or self.text[start] not in _OPEN_QUOTES:
            return None
        close = _CLOSE_QUOTE.search(self.text, start + 1)
        if close is None:
            raise CommandError(f'"{quote(self.text[start + 1 :].strip())}" has no closing quote')
        self.position = close.end()
        return self.text[start + 1 : close.start()]

    def end(self, after: str) -> None:
        """Raise unless every word has been read."""
        if self.peek() is not None:
            raise CommandError(f'unexpected "{quote(self.rest())}" after {after}')


# --- Entry point --------------------------------------------------------------------------------

type _Parser = Callable[[_Words], Command]


def parse_command(text: str) -> Command:
    """The command in a `/klaxon` text as Slack delivers it (escaped); empty text asks for help.

    Raises CommandError naming the problem, with the usage of the command that was meant.
    """
    words = _Words(text)
    first = words.next()
    if first is None:
        return Help()
    topic = first.lower()
    if topic not in _USAGE_LINES:
        raise CommandError(_unknown("command", first, _USAGE_LINES), USAGE["help"])
    key = _command_key(topic, words)
    try:
        return _COMMANDS[key](words)
    except CommandError as exc:
        raise (exc if exc.usage else CommandError(exc.problem, _usage(key))) from None


def _command_key(topic: str, words: _Words) -> str:
    """`rule add`, `policy set`, `settings verbose` …; or the topic alone for commands without verbs."""
    verbs = _VERBS.get(topic)
    if not verbs:
        return topic
    verb = words.peek()
    if verb is None:
        if topic in _COMMANDS:  # `settings` alone shows them
            return topic
        raise CommandError(f"{topic} needs one of: {', '.join(verbs)}", USAGE[topic])
    if verb.lower() not in verbs:
        noun = "setting" if topic == "settings" else f"{topic} command"
        raise CommandError(_unknown(noun, verb, verbs), USAGE[topic])
    words.next()
    return f"{topic} {verb.lower()}"


def _usage(key: str) -> str:
    """The usage lines of one command (`rule add`), or of a whole topic."""
    topic, _, verb = key.partition(" ")
    lines = [line for line in _USAGE_LINES[topic] if verb and line.startswith(f"/klaxon {key}")]
    return "\n".join(lines or _USAGE_LINES[topic])


def _unknown(what: str, word: str, choices: Iterable[str]) -> str:
    options = list(choices)
    close = difflib.get_close_matches(word.lower(), options, n=1)
    hint = f' — did you mean "{close[0]}"?' if close else f"; expected one of: {', '.join(options)}"
    return f'unknown {what} "{quote(word)}"{hint}'


# --- rule add -----------------------------------------------------------------------------------


def _add_rule(words: _Words) -> AddRule:
    """`<pattern> to #channel [options]`: the pattern runs to the last ` to #channel` followed by valid options.

    So a ` to ` inside the pattern (`failed to connect to #db`, `/moved to #archive/ to #ops`) never splits
    it: what follows such a ` to ` is either not a channel or not a valid list of options.
    """
    text, start = words.text, words.position
    options_error: CommandError | None = None
    not_a_channel: str | None = None
    for to in reversed(list(_TO.finditer(text, start))):
        after = _Words(text, to.end())
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
    wholly_quoted = len(text) >= 2 and text[0] in _OPEN_QUOTES and text[-1] in _CLOSE_QUOTES
    return inside if wholly_quoted and not _CLOSE_QUOTE.search(inside) else text


def _rule_options(words: _Words) -> dict[str, Any]:
    """The options after `to #channel`, in any order, each at most once, as AddRule fields."""
    fields: dict[str, Any] = {}
    seen: set[str] = set()
    while (word := words.next()) is not None:
        option = word.lower()
        if option not in _RULE_OPTIONS:
            raise CommandError(_unknown("option", word, _RULE_OPTIONS))
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


def _label(words: _Words) -> tuple[str, object]:
    return "label", _text_option(words, "label")


def _name(words: _Words) -> tuple[str, object]:
    return "name", _text_option(words, "name")


def _text_option(words: _Words, option: str) -> str:
    """Text in straight or curly double quotes; a single word may go without them."""
    text = words.quoted()
    if text is None:
        word = words.peek()
        if word is None or word.lower() in _RULE_OPTIONS:
            raise CommandError(f'{option} needs text in double quotes, such as {option} "[Error] disk"')
        text = words.next() or ""
    return plain_text(text).strip()


def _window(words: _Words) -> tuple[str, object]:
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


def _suppress(_words: _Words) -> tuple[str, object]:
    return "action", Action.SUPPRESS


def _channels(words: _Words) -> tuple[str, object]:
    return "channels", _option_list(words, "in", channel_ref, "a channel, such as #alerts-prod")


def _posters(words: _Words) -> tuple[str, object]:
    def poster(word: str) -> MentionRef | None:
        found = poster_ref(word)
        return found if found and found.kind not in (MentionKind.GROUP, MentionKind.BROADCAST) else None

    return "posters", _option_list(words, "from", poster, "a user or bot, such as @grafana or B0123ABC")


def _hotline(words: _Words) -> tuple[str, object]:
    expected = "a person, user group or @here, such as @alice, @ops-leads or @here"
    return "hotline", _option_list(words, "hotline", mention_ref, expected)


def _policy(words: _Words) -> tuple[str, object]:
    return "policy", _policy_name(words.next())


def _ack_timeout(words: _Words) -> tuple[str, object]:
    return "ack_timeout_seconds", _duration(words.next(), "ack-timeout")


def _option_list[T](words: _Words, option: str, recognise: Callable[[str], T | None], expected: str) -> tuple[T, ...]:
    """Every word up to the next option, each recognised; at least one."""
    found: list[T] = []
    while (word := words.peek()) is not None and word.lower() not in _RULE_OPTIONS:
        words.next()
        item = recognise(word)
        if item is None:
            raise CommandError(f'{option}: "{quote(plain_text(word))}" is not {expected}')
        found.append(item)
    if not found:
        raise CommandError(f"{option} needs {expected}")
    return tuple(found)


_RULE_OPTIONS: dict[str, Callable[[_Words], tuple[str, object]]] = {
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


# --- Other rule commands ------------------------------------------------------------------------


def _list_rules(words: _Words) -> Command:
    words.end(after="rule list")
    return ListRules()


def _test_rule(words: _Words) -> Command:
    text = words.rest()
    if not text:
        raise CommandError("rule test needs a message to try the rules on: its text, its link or its JSON")
    return TestRule(text)


def _remove_rule(words: _Words) -> Command:
    rule_id = _rule_id(words.next())
    words.end(after=f"the rule id {rule_id}")
    return RemoveRule(rule_id)


def _enable_rule(words: _Words) -> Command:
    rule_id = _rule_id(words.next())
    words.end(after=f"the rule id {rule_id}")
    return EnableRule(rule_id, enabled=True)


def _disable_rule(words: _Words) -> Command:
    rule_id = _rule_id(words.next())
    words.end(after=f"the rule id {rule_id}")
    return EnableRule(rule_id, enabled=False)


def _move_rule(words: _Words) -> Command:
    rule_id = _rule_id(words.next())
    placement = _placement(words, rule_id)
    words.end(after=f"where to move {rule_id}")
    return MoveRule(rule_id, placement)


def _placement(words: _Words, moving: str) -> Placement:
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
    if _NUMBER.fullmatch(word):
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


# --- channel, import, export, audit, report -----------------------------------------------------


def _channel_default(words: _Words) -> Command:
    channel = _channel(words.next())
    keyword = words.next()
    if keyword is None or keyword.lower() != "default":
        raise CommandError(f'after {channel.readable()} write "default" and then ignore, ack or alert')
    default = _choice(words.next(), ChannelDefault, "channel default")
    words.end(after=f"default {default}")
    return SetChannelDefault(channel, default)


def _import(words: _Words) -> Command:
    named = (words.peek() or "").lower()
    if named in tuple(ImportFormat):
        words.next()
    # Slack links channel and people names inside the pasted file; both formats accept their ids.
    text = plain_text(words.rest(), references="ids")
    fenced = _CODE_FENCE.fullmatch(text)
    text = fenced[1].strip() if fenced else text
    if not text:
        raise CommandError("import needs the text of an IMS.ini file or of a Klaxon YAML export")
    return Import(ImportFormat(named) if named in tuple(ImportFormat) else _detect_format(text), text)


def _detect_format(text: str) -> ImportFormat:
    """Klaxon's YAML export opens with `klaxon:`; anything else is read as IMS.ini."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "---")):
            return ImportFormat.YAML if stripped.startswith("klaxon:") else ImportFormat.IMS
    return ImportFormat.IMS


def _export(words: _Words) -> Command:
    words.end(after="export")
    return Export()


def _audit(words: _Words) -> Command:
    word = words.next()
    limit = DEFAULT_AUDIT_LIMIT if word is None else _whole_number(word, "audit", 1, MAX_AUDIT_LIMIT)
    words.end(after=f"audit {limit}")
    return ShowAudit(limit)


def _report(words: _Words) -> Command:
    words.end(after="report")
    return ShowReport()


def _help(words: _Words) -> Command:
    word = words.next()  # further words (`help rule add`) narrow nothing: a topic's usage is short
    if word is None:
        return Help()
    if word.lower() not in USAGE:
        raise CommandError(_unknown("help topic", word, USAGE))
    return Help(word.lower())


# --- settings -----------------------------------------------------------------------------------


def _show_settings(_words: _Words) -> Command:
    return ShowSettings()


def _handled_reactions(words: _Words) -> Command:
    names = [_reaction_name(word) for word in words.all()]
    if not names:
        raise CommandError("handled-reactions needs at least one reaction name, such as :white_check_mark:")
    return SetHandledReactions(tuple(dict.fromkeys(names)))


def _reaction_name(word: str) -> str:
    name = word.strip(":").lower()
    if not _REACTION.fullmatch(name) or word.startswith(":") != word.endswith(":"):
        raise CommandError(
            f'"{quote(plain_text(word))}" is not a reaction name: write it as Slack names it, '
            "such as :white_check_mark: or heavy_check_mark"
        )
    return name


def _digest_after(words: _Words) -> Command:
    seconds = _duration(words.next(), "digest-after")
    words.end(after="the duration")
    return SetDigestAfter(seconds)


def _grouping_window(words: _Words) -> Command:
    seconds = _duration(words.next(), "grouping-window")
    words.end(after="the duration")
    return SetGroupingWindow(seconds)


def _verbose(words: _Words) -> Command:
    word = words.next()
    if word is None or word.lower() not in ("on", "off"):
        shown = "nothing" if word is None else f'"{quote(plain_text(word))}"'
        raise CommandError(f"verbose is on or off, not {shown}")
    words.end(after=f"verbose {word}")
    return SetVerbose(word.lower() == "on")


def _reminder_channel(words: _Words) -> Command:
    word = words.next()
    channel = None if word is not None and word.lower() == "off" else _channel(word)
    words.end(after="the channel")
    return SetReminderChannel(channel)


def _reminder_hours(words: _Words) -> Command:
    given = words.all()
    if [word.lower() for word in given] == ["off"]:
        return SetReminderHours(())
    times = list(takewhile(_CLOCK_TIME.fullmatch, given))
    zone_words = given[len(times) :]
    if not times:
        shown = f'"{quote(plain_text(given[0]))}"' if given else "nothing"
        raise CommandError(f"reminder-hours takes times such as 09:00 17:30 (then a time zone, or off), not {shown}")
    if len(zone_words) > 1:
        raise CommandError(f'unexpected "{quote(" ".join(zone_words[1:]))}" after the time zone')
    try:
        minutes = tuple(sorted({parse_clock(time, is_end=False) for time in times}))
        zone = normalise_zone(zone_words[0]) if zone_words else "UTC"
        load_zone(zone)
    except RuleError as exc:
        raise CommandError(str(exc)) from None
    return SetReminderHours(minutes, zone)


def _reconcile_limit(words: _Words) -> Command:
    limit = _whole_number(words.next(), "reconcile-limit", 0, MAX_RECONCILE_LIMIT)
    words.end(after=f"reconcile-limit {limit}")
    return SetReconcileLimit(limit)


def _paging_channels(words: _Words) -> Command:
    given = words.all()
    if [word.lower() for word in given] == ["all"]:
        return SetPagingChannels(())
    if not given:
        raise CommandError("paging-channels takes the channels where mentions page (#channel …), or all")
    return SetPagingChannels(tuple(_channel(word) for word in given))


def _dm_reply(words: _Words) -> Command:
    if (words.peek() or "").lower() == "default":
        words.next()
        words.end(after="default")
        return SetDmReply(None)
    text = words.quoted()
    if not text:
        raise CommandError('dm-reply takes the reply in quotes, such as "Mention @klaxon in your team\'s channel"')
    words.end(after="the reply")
    return SetDmReply(plain_text(text))


# --- policy -------------------------------------------------------------------------------------


def _set_policy(words: _Words) -> Command:
    name = _policy_name(words.next())
    statements = [part.strip() for part in _LEVEL_BREAK.split(words.rest()) if part.strip()]
    repeat = _repeat(statements.pop()) if statements and _first_word(statements[-1]) == "repeat" else 0
    if not statements:
        raise CommandError(f'policy {name} has no levels: write "level @user @group after 5m", levels separated by ;')
    levels = tuple(_level(statement, number) for number, statement in enumerate(statements, start=1))
    return SetPolicy(name, levels, repeat)


def _level(statement: str, number: int) -> PolicyLevel:
    """`level @a @ops-leads [after 5m]`."""
    words = _Words(statement)
    keyword = _first_word(statement)
    if keyword == "repeat":
        raise CommandError("repeat goes once, at the end, after the last level")
    if keyword != "level":
        raise CommandError(f'level {number} should read "level @user @group after 5m", not "{quote(statement)}"')
    words.next()
    handlers: list[MentionRef] = []
    wait = DEFAULT_LEVEL_WAIT_SECONDS
    while (word := words.next()) is not None:
        if word.lower() == "after":
            wait = _duration(words.next(), f"the wait of level {number}")
            words.end(after=f"the wait of level {number}")
        else:
            handlers.append(_handler(word, number))
    if not handlers:
        raise CommandError(f"level {number} names no one to page: add @user or @group")
    return PolicyLevel(tuple(handlers), wait)


def _handler(word: str, number: int) -> MentionRef:
    found = mention_ref(word)
    if found is None:
        raise CommandError(f'level {number}: "{quote(plain_text(word))}" is not a person or user group; write @name')
    if found.kind is MentionKind.BROADCAST:
        raise CommandError(f"level {number}: {found.readable()} cannot be paged; a level pages people and user groups")
    return found


def _repeat(statement: str) -> int:
    _, *numbers = statement.split()
    if len(numbers) != 1:
        raise CommandError(f"repeat takes one number from 0 to {MAX_POLICY_REPEAT}")
    return _whole_number(numbers[0], "repeat", 0, MAX_POLICY_REPEAT)


def _show_policy(words: _Words) -> Command:
    name = _policy_name(words.next())
    words.end(after=f"policy {name}")
    return ShowPolicy(name)


def _list_policies(words: _Words) -> Command:
    words.end(after="policy list")
    return ListPolicies()


def _use_policy(words: _Words) -> Command:
    name = _policy_name(words.next())
    where = (words.next() or "").lower()
    if where == "default":
        words.end(after="default")
        return UsePolicy(name, None)
    if where != "in":
        raise CommandError(f'say where policy {name} pages: "in #channel", or "default" for every other channel')
    channel = _channel(words.next())
    words.end(after=channel.readable())
    return UsePolicy(name, channel)


def _remove_policy(words: _Words) -> Command:
    name = _policy_name(words.next())
    words.end(after=f"policy {name}")
    return RemovePolicy(name)


# --- Values shared by several commands ----------------------------------------------------------


def _policy_name(word: str | None) -> str:
    if word is None:
        raise CommandError("a policy name is missing, such as db-oncall")
    name = word.lower()
    if not POLICY_NAME.fullmatch(name):
        raise CommandError(
            f'"{quote(plain_text(word))}" is not a policy name: 1 to 40 letters, digits, - or _, '
            "starting with a letter or digit"
        )
    return name


def _channel(word: str | None) -> ChannelRef:
    if word is None:
        raise CommandError("a channel is missing, such as #alerts-prod")
    found = channel_ref(word)
    if found is None:
        raise CommandError(f'"{quote(plain_text(word))}" is not a channel: write #name or pick it from the list')
    return found


def _duration(word: str | None, what: str) -> int:
    if word is None:
        raise CommandError(f"{what} needs a duration, such as 5m")
    try:
        return parse_duration(word)
    except DurationError as exc:
        raise CommandError(f"{what}: {exc}") from None


def _whole_number(word: str | None, what: str, low: int, high: int) -> int:
    if word is None or not _NUMBER.fullmatch(word) or not low <= int(word) <= high:
        shown = "nothing" if word is None else f'"{quote(plain_text(word))}"'
        raise CommandError(f"{what} takes a whole number from {low} to {high}, not {shown}")
    return int(word)


def _choice[E: StrEnum](word: str | None, choices: type[E], what: str) -> E:
    values = [choice.value for choice in choices]
    if word is None or word.lower() not in values:
        raise CommandError(_unknown(what, word or "", values))
    return choices(word.lower())


def _first_word(text: str) -> str:
    return text.split(maxsplit=1)[0].lower()


_COMMANDS: dict[str, _Parser] = {
    "help": _help,
    "rule add": _add_rule,
    "rule list": _list_rules,
    "rule test": _test_rule,
    "rule remove": _remove_rule,
    "rule enable": _enable_rule,
    "rule disable": _disable_rule,
    "rule move": _move_rule,
    "channel": _channel_default,
    "export": _export,
    "import": _import,
    "audit": _audit,
    "report": _report,
    "settings": _show_settings,
    "settings handled-reactions": _handled_reactions,
    "settings digest-after": _digest_after,
    "settings verbose": _verbose,
    "settings reminder-channel": _reminder_channel,
    "settings reminder-hours": _reminder_hours,
    "settings reconcile-limit": _reconcile_limit,
    "settings grouping-window": _grouping_window,
    "settings paging-channels": _paging_channels,
    "settings dm-reply": _dm_reply,
    "policy set": _set_policy,
    "policy show": _show_policy,
    "policy list": _list_policies,
    "policy use": _use_policy,
    "policy remove": _remove_policy,
}
_VERBS: dict[str, tuple[str, ...]] = {
    topic: tuple(key.split(" ", 1)[1] for key in _COMMANDS if key.startswith(f"{topic} "))
    for topic in _USAGE_LINES
}
