"""`/klaxon import` and `/klaxon export`: rules, policies, settings, keyword replies and the silences in force as a
file - Klaxon's YAML, or IMS's IMS.ini to migrate from (SPEC §6).

A YAML import replaces the configuration with the file's, and restores the file's silences that have not ended
(by id: one already here stays as it is) in the same commit - all of it, or nothing. It ends no silence: a
silence someone set during an incident is not undone by a team re-applying its configuration.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from klaxon.commands.editing import Console, Edit, Invocation, edit
from klaxon.commands.model import Answer, Change, Command, CommandError
from klaxon.commands.names import Names
from klaxon.commands.references import plain_text
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words
from klaxon.configuration.as_code import apply_import, export_yaml, import_yaml
from klaxon.configuration.model import EVERY_CHANNEL, Configuration
from klaxon.rules import ChannelDefault, import_ims
from klaxon.silences.model import Silence

_CODE_FENCE = re.compile(r"```(?:[a-z]+\n)?\n?(.*?)\n?```", re.DOTALL)  # a pasted ```code block```


class ImportFormat(StrEnum):
    """The kinds of rule file `import` reads."""

    IMS = "ims"  # IMS's IMS.ini
    YAML = "yaml"  # Klaxon's own export


@dataclass(frozen=True)
class Import(Command):
    """Rules from a pasted file. Slack's links in `text` are turned back into ids and typed text."""

    format: ImportFormat
    text: str


@dataclass(frozen=True)
class Export(Command):
    """Rules, policies, settings, keyword replies and the silences in force, as YAML."""


@dataclass(frozen=True)
class Exported(Answer):
    yaml: str


@dataclass(frozen=True)
class YamlImported(Change):
    rules: int
    replaced: int
    channel_defaults: int
    silences: int = 0  # restored
    ended: int = 0  # in the file, but over by now: left out
    kept: int = 0  # in the file, and already here: left as they are


@dataclass(frozen=True)
class ImsImported(Change):
    rules: int
    replaced: int
    unmatched: ChannelDefault
    notes: tuple[str, ...]


def _parse_import(words: Words) -> Import:
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


def _parse_export(words: Words) -> Export:
    words.end(after="export")
    return Export()


def _run_import(command: Import, invocation: Invocation, console: Console) -> Answer:
    names = Names(console.directory)
    if command.format is ImportFormat.IMS:
        return edit(console, invocation, f"import {command.format}",
                    lambda config: _import_ims(config, command.text, names))
    return edit(console, invocation, f"import {command.format}",
                lambda config: _import_yaml(config, command.text, console.silences.all(), console.clock.now()))


def _import_yaml(config: Configuration, text: str, here: Sequence[Silence], now: datetime) -> Edit:
    """The file's configuration, and its silences that have not ended and are not here yet (`here`: every
    silence kept, read for this attempt of the edit)."""
    imported = import_yaml(text)
    changed = apply_import(config, imported)
    known = {silence.id for silence in here}
    going = [silence for silence in imported.silences if silence.ends_at > now]
    restored = tuple(silence for silence in going if silence.id not in known)
    in_force = [silence for silence in here if silence.ends_at > now]
    return Edit(changed, YamlImported(len(imported.rules), len(config.rules), len(imported.channel_defaults),
                                      silences=len(restored), ended=len(imported.silences) - len(going),
                                      kept=len(going) - len(restored)),
                before=export_yaml(config, in_force), after=export_yaml(changed, [*in_force, *restored]),
                silences=restored)


def _import_ims(config: Configuration, text: str, names: Names) -> Edit:
    ims = import_ims(text, zone=config.preferences.reminder_zone, channel_id=names.channel_id,
                     user_id=names.user_id)
    preferences = config.preferences
    if ims.handled_reaction:
        preferences = replace(preferences, handled_reactions=(ims.handled_reaction,))
    if ims.report_channel:
        preferences = replace(preferences, reminder_channel=ims.report_channel)
    changed = replace(config.with_rules(ims.rules).with_preferences(preferences),
                      channel_defaults={EVERY_CHANNEL: ims.unmatched})
    return Edit(changed, ImsImported(len(ims.rules), len(config.rules), ims.unmatched, tuple(ims.notes)),
                before=export_yaml(config), after=export_yaml(changed))


def _run_export(command: Export, invocation: Invocation, console: Console) -> Answer:
    now = console.clock.now()
    in_force = [silence for silence in console.silences.all() if silence.ends_at > now]
    return Exported(export_yaml(console.configuration.load(), in_force))


REGISTRY.add(Verb("import", "/klaxon import [ims|yaml] <IMS.ini text or Klaxon YAML export>", _parse_import,
                  _run_import, admin=True), Import)
REGISTRY.add(Verb("export", "/klaxon export", _parse_export, _run_export), Export)
