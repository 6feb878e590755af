"""A big workspace on demand: tens of thousands of people and hundreds of user groups, in a second or two.

Large teams are a normal operating condition for Klaxon (SPEC §7), so tests and benchmarks need a
workspace that looks like one: people from several countries with their own names, time zones and
display names (many just a first name, so display names clash as they do in real workspaces), a few
who left (`deleted`), integrations' bot users, and user groups from a handful of people to hundreds.

Names come from Faker's locale data (seeded: the same seed builds the same workspace); Japanese
profiles carry the name in kanji and a romanised username, as such teams have them.
"""

from __future__ import annotations

import random
import time
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from faker import Faker

from .state import WorkspaceState


@dataclass(frozen=True)
class Region:
    """Where some of the people are: a Faker locale, their time zones, and a share of the headcount."""

    locale: str
    time_zones: tuple[str, ...]
    weight: int


REGIONS = (
    Region("en_US", ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"), 38),
    Region("en_IN", ("Asia/Kolkata",), 14),
    Region("en_GB", ("Europe/London",), 10),
    Region("de_DE", ("Europe/Berlin",), 9),
    Region("fr_FR", ("Europe/Paris",), 7),
    Region("ja_JP", ("Asia/Tokyo",), 8),
    Region("pt_BR", ("America/Sao_Paulo",), 8),
    Region("es_MX", ("America/Mexico_City",), 6),
)
_TOOLS = ("datadog", "grafana", "pagerduty", "sentry", "prometheus", "cloudwatch", "jenkins", "github",
          "statuspage", "opsgenie", "newrelic", "circleci", "argocd", "uptime-kuma", "gcp-monitoring")
_TEAMS = ("payments", "checkout", "search", "identity", "platform", "data", "mobile", "web", "billing",
          "infra", "network", "storage", "security", "growth", "ads", "ml", "support", "release", "edge",
          "messaging", "catalog", "pricing", "risk", "ledger", "maps")
_ROLES = ("oncall", "sre", "leads", "devs", "dba", "admins", "triage", "backend", "frontend", "qa", "ops",
          "eng")


@dataclass(frozen=True)
class Population:
    """How big a workspace to build. `people` counts every member added, bots and the departed included."""

    people: int = 20_000
    usergroups: int = 300
    bots: int = 200
    deleted: int = 600
    seed: int = 1


@dataclass(frozen=True)
class Census:
    """What was built, for the caller to check and report."""

    people: int
    active: int
    deleted: int
    bots: int
    usergroups: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def populate(state: WorkspaceState, population: Population | None = None) -> Census:
    """Add a big population to the workspace (call with `state.lock` held); returns what was added.

    Raises ValueError when the numbers do not add up (more bots and departed than people, groups
    without anyone active to put in them).
    """
    spec = population or Population()
    humans = spec.people - spec.bots
    if spec.bots < 0 or spec.deleted < 0 or humans - spec.deleted < (1 if spec.usergroups else 0):
        raise ValueError(f"{spec.people} people cannot hold {spec.bots} bots and {spec.deleted} departed")
    started = time.perf_counter()
    rng = random.Random(spec.seed)
    active = _add_people(state, humans, spec.deleted, rng, spec.seed)
    _add_bots(state, spec.bots, rng)
    _add_usergroups(state, spec.usergroups, active, rng)
    return Census(people=spec.people, active=len(active), deleted=spec.deleted, bots=spec.bots,
                  usergroups=spec.usergroups, seconds=round(time.perf_counter() - started, 3))


def _add_people(state: WorkspaceState, count: int, deleted: int, rng: random.Random, seed: int) -> list[str]:
    # Weighting off: Faker's weighted draw costs ~10x more, and any real name will do.
    fakers = {region.locale: Faker(region.locale, use_weighting=False) for region in REGIONS}
    for offset, faker in enumerate(fakers.values()):
        faker.seed_instance(seed * 1000 + offset)
    taken: set[str] = {user["name"] for user in state.users.values()}
    regions = rng.choices(REGIONS, weights=[r.weight for r in REGIONS], k=count)
    departed = set(rng.sample(range(count), deleted))
    active: list[str] = []
    for index, region in enumerate(regions):
        first, last, romanised = _person_name(fakers[region.locale], region.locale)
        username = _unique(f"{romanised[0]}.{romanised[1]}", taken)
        real_name = f"{last} {first}" if region.locale == "ja_JP" else f"{first} {last}"
        user = state.add_user(username, real_name, rng.choice(region.time_zones),
                              email=f"{username}@{state.identity.team_domain}.example.com")
        user["profile"]["display_name"] = user["profile"]["display_name_normalized"] = _display_name(
            rng, first, romanised[0], username)
        if index in departed:
            user["deleted"] = True
        else:
            active.append(user["id"])
    return active


def _person_name(faker: Faker, locale: str) -> tuple[str, str, tuple[str, str]]:
    """First and last name as written, and both in ASCII for the username."""
    if locale == "ja_JP":
        first, _, first_latin = faker.first_name_pair()
        last, _, last_latin = faker.last_name_pair()
        return first, last, (_ascii(first_latin), _ascii(last_latin))
    first, last = faker.first_name(), faker.last_name()
    return first, last, (_ascii(first), _ascii(last))


def _display_name(rng: random.Random, first: str, first_latin: str, username: str) -> str:
    # Most people show a first name (so display names clash), some their username, some nothing.
    roll = rng.random()
    if roll < 0.55:
        return first
    if roll < 0.65:
        return first_latin.capitalize()
    return username if roll < 0.85 else ""


def _add_bots(state: WorkspaceState, count: int, rng: random.Random) -> None:
    taken = {bot.name for bot in state.bots.values()}
    for _ in range(count):
        base = f"{rng.choice(_TOOLS)}-{rng.choice(_TEAMS)}"
        state.add_bot(_unique(base, taken, separator="-"))


def _add_usergroups(state: WorkspaceState, count: int, active: list[str], rng: random.Random) -> None:
    taken = {group["handle"] for group in state.usergroups.values()}
    for _ in range(count):
        handle = _unique(f"{rng.choice(_TEAMS)}-{rng.choice(_ROLES)}", taken, separator="-")
        # Most groups are a rota of a few people; a few are whole departments.
        size = min(len(active), max(1, int(rng.paretovariate(1.2) * 4)))
        state.add_usergroup(handle, rng.sample(active, size), name=handle.replace("-", " ").title())


def _unique(base: str, taken: set[str], separator: str = "") -> str:
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}{separator}{number}"
    taken.add(name)
    return name


def _ascii(text: str) -> str:
    """A username part: accents dropped, lower case, letters and digits only (Slack's usernames are ASCII)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum()) or "user"
