"""`/klaxon settings …`: the workspace's preferences - handled reactions, the digest, reminders, the
reconcile, grouping, where mentions page, the direct-message reply (SPEC §2, §3); where each monitoring
source's alerts go and whom they page, CloudWatch's missing data, and the host board (SPEC §5)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import takewhile
from typing import Any, ClassVar

from klaxon.alerts.external import SOURCES
from klaxon.commands.editing import Console, Edit, Invocation, Refused, edit
from klaxon.commands.model import Answer, Change, Command, CommandError
from klaxon.commands.names import Names
from klaxon.commands.references import ChannelRef, plain_text
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words, channel, choice, duration, policy_name, unknown, whole_number
from klaxon.configuration.model import Configuration, InsufficientData, Preferences
from klaxon.rules import RuleError
from klaxon.rules.patterns import quote
from klaxon.rules.windows import load_zone, normalise_zone, parse_clock

MAX_RECONCILE_LIMIT = 50
_CLOCK_TIME = re.compile(r"[0-9]{1,2}:[0-9]{2}")
_REACTION = re.compile(r"[a-z0-9_+'-]+(?:::skin-tone-[2-6])?")


# ---------------------------------------------------------------------- the commands
@dataclass(frozen=True)
class ShowSettings(Command):
    """The workspace's settings."""


@dataclass(frozen=True)
class ChangeSetting(Command):
    """A change to one workspace setting; each setting is a subclass carrying a typed value.

    Settings registered by other topics' modules (incident_settings.py) say which Preferences fields they
    change themselves, with `values`.
    """

    setting: ClassVar[str]

    def values(self, names: Names) -> dict[str, Any]:
        """The Preferences fields this setting changes, with the names it gives looked up."""
        raise AssertionError(f"the setting {self.setting} has no handler")


@dataclass(frozen=True)
class SetHandledReactions(ChangeSetting):
    """Reaction names (without colons) that mark an alert handled; the first is the one Klaxon adds."""

    setting: ClassVar[str] = "handled-reactions"
    reactions: tuple[str, ...]


@dataclass(frozen=True)
class SetDigestAfter(ChangeSetting):
    """Alerts unacknowledged longer than this are listed in the digest."""

    setting: ClassVar[str] = "digest-after"
    seconds: int


@dataclass(frozen=True)
class SetVerbose(ChangeSetting):
    """Whether the digest also lists handled alerts and who handled them."""

    setting: ClassVar[str] = "verbose"
    verbose: bool


@dataclass(frozen=True)
class SetReminderChannel(ChangeSetting):
    """Where reminders are posted; None turns reminders off."""

    setting: ClassVar[str] = "reminder-channel"
    channel: ChannelRef | None


@dataclass(frozen=True)
class SetReminderHours(ChangeSetting):
    """Local times (minutes after midnight, sorted) at which reminders are posted; empty turns them off."""

    setting: ClassVar[str] = "reminder-hours"
    minutes: tuple[int, ...]
    zone: str = "UTC"


@dataclass(frozen=True)
class SetReconcileLimit(ChangeSetting):
    """How many `reactions.get` calls one sweep may make to repair missed reaction events."""

    setting: ClassVar[str] = "reconcile-limit"
    limit: int


@dataclass(frozen=True)
class SetGroupingWindow(ChangeSetting):
    """How long a repeat of the same alert updates the existing post instead of reposting."""

    setting: ClassVar[str] = "grouping-window"
    seconds: int


@dataclass(frozen=True)
class SetPagingChannels(ChangeSetting):
    """`settings paging-channels #a #b` (only there do mentions page) or `all` (an empty tuple)."""

    setting: ClassVar[str] = "paging-channels"
    channels: tuple[ChannelRef, ...]


@dataclass(frozen=True)
class SetDmReply(ChangeSetting):
    """`settings dm-reply "<text>"`: what Klaxon answers a direct message; None for the default."""

    setting: ClassVar[str] = "dm-reply"
    text: str | None


@dataclass(frozen=True)
class SetSourceChannel(ChangeSetting):
    """`settings source-channel gcp #monitoring|default`: where a source's alerts go when no rule takes them."""

    setting: ClassVar[str] = "source-channel"
    source: str
    channel: ChannelRef | None  # None: back to the deployment's incidents channel


@dataclass(frozen=True)
class SetSourcePolicy(ChangeSetting):
    """`settings source-policy gcp db-oncall [ack-timeout 5m]|none`: whom a source's alerts without a rule page
    when nobody acknowledges them in time."""

    setting: ClassVar[str] = "source-policy"
    source: str
    policy: str | None
    ack_timeout_seconds: int | None = None


@dataclass(frozen=True)
class SetInsufficientData(ChangeSetting):
    """What a CloudWatch alarm going to INSUFFICIENT_DATA does to its alert."""

    setting: ClassVar[str] = "insufficient-data"
    meaning: InsufficientData


@dataclass(frozen=True)
class SetHostBoard(ChangeSetting):
    """`settings host-board #hosts …|off`: the channels that keep a host board."""

    setting: ClassVar[str] = "host-board"
    channels: tuple[ChannelRef, ...]


@dataclass(frozen=True)
class SetHostBoardEvery(ChangeSetting):
    """How often the sweep redraws the host board (when what it shows has changed)."""

    setting: ClassVar[str] = "host-board-every"
    seconds: int


@dataclass(frozen=True)
class SettingsShown(Answer):
    preferences: Preferences


@dataclass(frozen=True)
class SettingChanged(Change):
    """One setting's new values, keyed as Preferences' record keys them (`digest_after_seconds` …)."""

    setting: str
    values: dict[str, Any]


# ---------------------------------------------------------------------- grammar
def _show_settings(_words: Words) -> ShowSettings:
    return ShowSettings()


def _handled_reactions(words: Words) -> SetHandledReactions:
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


def _digest_after(words: Words) -> SetDigestAfter:
    seconds = duration(words.next(), "digest-after")
    words.end(after="the duration")
    return SetDigestAfter(seconds)


def _grouping_window(words: Words) -> SetGroupingWindow:
    seconds = duration(words.next(), "grouping-window")
    words.end(after="the duration")
    return SetGroupingWindow(seconds)


def _verbose(words: Words) -> SetVerbose:
    word = words.next()
    if word is None or word.lower() not in ("on", "off"):
        shown = "nothing" if word is None else f'"{quote(plain_text(word))}"'
        raise CommandError(f"verbose is on or off, not {shown}")
    words.end(after=f"verbose {word}")
    return SetVerbose(word.lower() == "on")


def _reminder_channel(words: Words) -> SetReminderChannel:
    word = words.next()
    where = None if word is not None and word.lower() == "off" else channel(word)
    words.end(after="the channel")
    return SetReminderChannel(where)


def _reminder_hours(words: Words) -> SetReminderHours:
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


def _reconcile_limit(words: Words) -> SetReconcileLimit:
    limit = whole_number(words.next(), "reconcile-limit", 0, MAX_RECONCILE_LIMIT)
    words.end(after=f"reconcile-limit {limit}")
    return SetReconcileLimit(limit)


def _paging_channels(words: Words) -> SetPagingChannels:
    given = words.all()
    if [word.lower() for word in given] == ["all"]:
        return SetPagingChannels(())
    if not given:
        raise CommandError("paging-channels takes the channels where mentions page (#channel …), or all")
    return SetPagingChannels(tuple(channel(word) for word in given))


def _dm_reply(words: Words) -> SetDmReply:
    if (words.peek() or "").lower() == "default":
        words.next()
        words.end(after="default")
        return SetDmReply(None)
    text = words.quoted()
    if not text:
        raise CommandError('dm-reply takes the reply in quotes, such as "Mention @klaxon in your team\'s channel"')
    words.end(after="the reply")
    return SetDmReply(plain_text(text))


def _source(words: Words) -> str:
    word = words.next()
    if word is None or word.lower() not in SOURCES:
        raise CommandError(unknown("monitoring source", word or "", SOURCES))
    return word.lower()


def _source_channel(words: Words) -> SetSourceChannel:
    source = _source(words)
    word = words.next()
    where = None if word is not None and word.lower() == "default" else channel(word)
    words.end(after="the channel")
    return SetSourceChannel(source, where)


def _source_policy(words: Words) -> SetSourcePolicy:
    source = _source(words)
    word = words.next()
    if word is not None and word.lower() == "none":
        words.end(after="none")
        return SetSourcePolicy(source, None)
    policy = policy_name(word)
    timeout = None
    if (words.peek() or "").lower() == "ack-timeout":
        words.next()
        timeout = duration(words.next(), "ack-timeout")
    words.end(after="the policy")
    return SetSourcePolicy(source, policy, timeout)


def _insufficient_data(words: Words) -> SetInsufficientData:
    meaning = choice(words.next(), InsufficientData, "meaning of insufficient data")
    words.end(after=f"insufficient-data {meaning}")
    return SetInsufficientData(meaning)


def _host_board(words: Words) -> SetHostBoard:
    given = words.all()
    if [word.lower() for word in given] == ["off"]:
        return SetHostBoard(())
    if not given:
        raise CommandError("host-board takes the channels that keep the board (#channel …), or off")
    return SetHostBoard(tuple(channel(word) for word in given))


def _host_board_every(words: Words) -> SetHostBoardEvery:
    seconds = duration(words.next(), "host-board-every")
    words.end(after="the duration")
    return SetHostBoardEvery(seconds)


# ---------------------------------------------------------------------- handlers
def _run_show(command: ShowSettings, invocation: Invocation, console: Console) -> Answer:
    return SettingsShown(console.configuration.load().preferences)


def _run_change(command: ChangeSetting, invocation: Invocation, console: Console) -> Answer:
    values = _values(command, Names(console.directory))

    def change_settings(config: Configuration) -> Edit:
        before = config.preferences
        change = {key: value(getattr(before, key)) if callable(value) else value for key, value in values.items()}
        _check_policy(command, config)
        after = replace(before, **change)
        shown = {key: value for key, value in after.to_record().items() if key in change}
        return Edit(config.with_preferences(after), SettingChanged(command.setting, shown),
                    before={key: before.to_record()[key] for key in change}, after=shown)

    return edit(console, invocation, f"settings {command.setting}", change_settings)


def _check_policy(command: ChangeSetting, config: Configuration) -> None:
    if isinstance(command, SetSourcePolicy) and command.policy and command.policy not in config.policies:
        raise Refused(f"there is no escalation policy `{command.policy}`; create it first with "
                      f"`/klaxon policy set {command.policy} …`")


def _keyed(key: str, value: Any) -> Callable[[Any], dict[str, Any]]:
    """A change to one source's entry of a per-source map (None removes it), applied to the map as it is."""
    return lambda current: {k: v for k, v in {**current, key: value}.items() if v is not None}


def _values(command: ChangeSetting, names: Names) -> dict[str, Any]:
    """The Preferences fields a setting changes, with the names it gives looked up; a per-source setting
    changes its source's entry of the map as the edit finds it (a callable of the current map)."""
    match command:
        case SetHandledReactions(reactions=reactions):
            return {"handled_reactions": reactions}
        case SetDigestAfter(seconds=seconds):
            return {"digest_after_seconds": seconds}
        case SetVerbose(verbose=verbose):
            return {"verbose_digest": verbose}
        case SetReminderChannel(channel=ref):
            return {"reminder_channel": names.channel(ref) if ref else None}
        case SetReminderHours(minutes=minutes, zone=zone):
            return {"reminder_hours": tuple(f"{m // 60:02d}:{m % 60:02d}" for m in minutes), "reminder_zone": zone}
        case SetReconcileLimit(limit=limit):
            return {"reconcile_limit": limit}
        case SetGroupingWindow(seconds=seconds):
            return {"grouping_window_seconds": seconds}
        case SetPagingChannels(channels=refs):
            return {"paging_channels": tuple(names.channel(ref) for ref in refs)}
        case SetDmReply(text=text):
            return {"dm_reply": text}
        case SetSourceChannel(source=source, channel=ref):
            return {"source_channels": _keyed(source, names.channel(ref) if ref else None)}
        case SetSourcePolicy(source=source, policy=policy, ack_timeout_seconds=seconds):
            return {"source_policies": _keyed(source, policy), "source_ack_timeouts": _keyed(source, seconds)}
        case SetInsufficientData(meaning=meaning):
            return {"insufficient_data": meaning}
        case SetHostBoard(channels=refs):
            return {"host_board_channels": tuple(names.channel(ref) for ref in refs)}
        case SetHostBoardEvery(seconds=seconds):
            return {"host_board_every_seconds": seconds}
    return command.values(names)


# ---------------------------------------------------------------------- registration
def register_setting(setting: type[ChangeSetting], usage: str, parse: Any) -> None:
    """Register `/klaxon settings <setting.setting> …`: admin only, audited, as every setting."""
    REGISTRY.add(Verb(f"settings {setting.setting}", usage, parse, _run_change, admin=True), setting)



REGISTRY.add(Verb("settings", "/klaxon settings", _show_settings, _run_show), ShowSettings)
register_setting(SetHandledReactions, "/klaxon settings handled-reactions :white_check_mark: :heavy_check_mark: …",
         _handled_reactions)
register_setting(SetDigestAfter, "/klaxon settings digest-after 15m", _digest_after)
register_setting(SetVerbose, "/klaxon settings verbose on|off", _verbose)
register_setting(SetReminderChannel, "/klaxon settings reminder-channel #channel|off", _reminder_channel)
register_setting(SetReminderHours, "/klaxon settings reminder-hours 09:00 17:30 [Asia/Tokyo]|off", _reminder_hours)
register_setting(SetReconcileLimit, f"/klaxon settings reconcile-limit 0-{MAX_RECONCILE_LIMIT}", _reconcile_limit)
register_setting(SetGroupingWindow, "/klaxon settings grouping-window 10m", _grouping_window)
register_setting(SetPagingChannels, "/klaxon settings paging-channels #channel … | all", _paging_channels)
register_setting(SetDmReply, '/klaxon settings dm-reply "<text>" | default', _dm_reply)
register_setting(SetSourceChannel, f"/klaxon settings source-channel {'|'.join(SOURCES)} #channel|default",
                 _source_channel)
register_setting(SetSourcePolicy, "/klaxon settings source-policy <source> <policy> [ack-timeout 5m] | none",
                 _source_policy)
register_setting(SetInsufficientData, "/klaxon settings insufficient-data ignore|fire|resolve   (CloudWatch alarms)",
                 _insufficient_data)
register_setting(SetHostBoard, "/klaxon settings host-board #channel … | off", _host_board)
register_setting(SetHostBoardEvery, "/klaxon settings host-board-every 5m", _host_board_every)
