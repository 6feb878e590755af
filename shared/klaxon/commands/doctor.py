"""`/klaxon doctor`: the health check of this installation (klaxon.doctor), from Slack; admins only, since it
shows the configuration's channels and which webhook sources are open."""

from __future__ import annotations

from dataclasses import dataclass

from klaxon.commands.editing import Console, Invocation, Refused
from klaxon.commands.model import Answer, Command
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words
from klaxon.doctor.checkup import Checkup, examine


@dataclass(frozen=True)
class Examine(Command):
    """Check the installation: the token and its scopes, the channels, the deployment's settings."""


@dataclass(frozen=True)
class Examined(Answer):
    checkup: Checkup


def _parse(words: Words) -> Examine:
    words.end(after="doctor")
    return Examine()


def _run(command: Examine, invocation: Invocation, console: Console) -> Answer:
    if console.installation is None or console.deployment is None:
        raise Refused("the doctor is not wired here: run `make doctor` against the stack")
    return Examined(examine(console.deployment(), console.configuration.load(), console.installation))


REGISTRY.add(Verb("doctor", "/klaxon doctor", _parse, _run, admin=True), Examine)
