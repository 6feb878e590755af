"""Examining a live installation: what it has against what it needs, as facts a renderer words.

What Klaxon needs of Slack: the bot token working, with every scope of the manifest (klaxon.slack.scopes is the
one table both read), and Klaxon in every channel its configuration names - where it posts (the incidents
channel, rules' targets, sources' channels, the host board, reminders) and where it listens (channels rules
are scoped to, channels with a default other than ignore, channels whose mentions page). Events from a
channel reach Klaxon only while it is a member, reactions on its own posts included, and it cannot join a
private channel by itself: so every one of them is a channel to invite it to.

What it needs of its deployment: an incidents channel, admins, the public address links point to and the key
they are signed with, and a way in for each monitoring source it is configured to take alerts from (the
source's key in the webhook secret; for CloudWatch, an allowed SNS topic). A source nobody set up is only
noted: not every team uses every tool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from klaxon.alerts.external import SOURCES
from klaxon.alerts.model import SOURCE_ACTOR_PREFIX
from klaxon.configuration.model import EVERY_CHANNEL, Configuration
from klaxon.doctor.ports import ChannelFacts, Installation, InstallationRefused, Installed
from klaxon.monitoring import generic
from klaxon.monitoring.sources import alertmanager, cloudwatch, gcp, grafana
from klaxon.rules import ChannelDefault

# The keys of the webhook secret that open each source (any one of them); CloudWatch's deliveries are opened by
# an allowed SNS topic instead (SnsTopicArns), checked by their signature.
SOURCE_KEYS: Mapping[str, tuple[str, ...]] = {
    generic.SOURCE: (generic.SOURCE,), gcp.SOURCE: (gcp.SOURCE,), alertmanager.SOURCE: (alertmanager.SOURCE,),
    grafana.SOURCE: (grafana.SOURCE, grafana.HMAC_KEY),
}


@dataclass(frozen=True)
class Deployment:
    """What the stack was deployed with, as far as the doctor can see from where it runs.

    `webhook_keys` and `sns_topics` are None where they cannot be read: the Slack function may not read the
    webhook secret (least privilege), so `/klaxon doctor` leaves them to `make doctor`. `signed` says the
    doctor was asked through a request Klaxon verified with the signing secret - proof that it is right,
    which nothing else can give (Slack never shows it again, and nobody can ask Slack to check it).
    """

    required_scopes: frozenset[str]
    incidents_channel: str | None = None
    public_base_url: str | None = None  # where links to incident pages point
    link_key: bool = False  # a key to sign those links with exists (without one, Klaxon gives no links)
    admin_users: frozenset[str] = frozenset()
    admin_group: str | None = None
    webhook_keys: frozenset[str] | None = None
    sns_topics: frozenset[str] | None = None
    signed: bool = False


class Use(StrEnum):
    """What a channel is needed for."""

    INCIDENTS_CHANNEL = "incidents_channel"  # INCIDENTS_CHANNEL: headline posts, alerts nothing else routes
    RULE_TARGET = "rule_target"  # a rule reposts there
    RULE_SCOPE = "rule_scope"  # a rule watches only there
    SOURCE_CHANNEL = "source_channel"  # a monitoring source's alerts go there
    HOST_BOARD = "host_board"
    REMINDERS = "reminders"
    UNMATCHED = "unmatched"  # channel defaults of `alert` repost there
    CHANNEL_DEFAULT = "channel_default"  # messages there are acknowledged or alerted by default
    CHANNEL_POLICY = "channel_policy"  # mentions of Klaxon there page a policy
    PAGING_CHANNEL = "paging_channel"  # one of the channels where mentions page

    @property
    def posts(self) -> bool:
        """Klaxon posts there (else it listens there)."""
        return self in (Use.INCIDENTS_CHANNEL, Use.RULE_TARGET, Use.SOURCE_CHANNEL, Use.HOST_BOARD, Use.REMINDERS,
                        Use.UNMATCHED)


@dataclass(frozen=True)
class Need:
    """One reason Klaxon needs a channel: the use, and what it belongs to (a rule id, a source, a policy …)."""

    use: Use
    subject: str = ""


class Presence(StrEnum):
    IN = "in"
    NOT_IN = "not_in"  # it exists and Klaxon can see it, but is not a member
    ARCHIVED = "archived"
    UNSEEN = "unseen"  # deleted, or private without Klaxon: Slack says channel_not_found


@dataclass(frozen=True)
class ChannelCheck:
    channel: str
    name: str | None
    presence: Presence
    needs: tuple[Need, ...]

    @property
    def ok(self) -> bool:
        return self.presence is Presence.IN


@dataclass(frozen=True)
class SourceCheck:
    """Whether a monitoring source can get in: `open` None where that cannot be read (from Slack)."""

    source: str
    open: bool | None
    expected: bool  # the configuration routes or pages this source's alerts: someone means to use it
    keys: tuple[str, ...] = ()  # the keys that open it (CloudWatch: none, SNS topics do)
    present: tuple[str, ...] = ()  # those the webhook secret has

    @property
    def ok(self) -> bool:
        return self.open is not False or not self.expected


@dataclass(frozen=True)
class Checkup:
    """What the doctor found. `refused` (Slack's error for the token) leaves scopes and channels unchecked."""

    deployment: Deployment
    installed: Installed | None = None
    refused: str | None = None
    unlisted: str | None = None  # Slack's error when it would not list Klaxon's channels (channels unchecked)
    missing_scopes: frozenset[str] = frozenset()
    extra_scopes: frozenset[str] = frozenset()
    channels: tuple[ChannelCheck, ...] = ()
    joined: int = 0  # channels Klaxon is in (it watches every one)
    sources: tuple[SourceCheck, ...] = field(default_factory=tuple)

    @property
    def has_admins(self) -> bool:
        return bool(self.deployment.admin_users or self.deployment.admin_group)

    @property
    def problems(self) -> int:
        """How many things need fixing (a source nobody set up, or extra scopes, are not among them)."""
        deployment = self.deployment
        settings = [deployment.incidents_channel, deployment.public_base_url, deployment.link_key, self.has_admins]
        return (bool(self.refused) + bool(self.unlisted) + bool(self.missing_scopes)
                + sum(not check.ok for check in self.channels)
                + sum(not check.ok for check in self.sources) + sum(not setting for setting in settings))


def examine(deployment: Deployment, config: Configuration, installation: Installation) -> Checkup:
    """Check the installation against what the deployment and the configuration need."""
    sources = _sources(deployment, config)
    try:
        installed = installation.installed()
    except InstallationRefused as refused:
        return Checkup(deployment, refused=refused.error, sources=sources)
    found = Checkup(deployment, installed=installed, missing_scopes=deployment.required_scopes - installed.scopes,
                    extra_scopes=installed.scopes - deployment.required_scopes, sources=sources)
    try:
        joined = installation.joined()
        channels = tuple(_channel(channel, tuple(sorted(needs, key=_listed)), joined, installation)
                         for channel, needs in sorted(channel_needs(config, deployment.incidents_channel).items()))
    except InstallationRefused as refused:  # a scope it lacks, most likely: the scopes above say which
        return replace(found, unlisted=refused.error)
    return replace(found, channels=channels, joined=len(joined))


def channel_needs(config: Configuration, incidents_channel: str | None) -> dict[str, set[Need]]:
    """Every channel the configuration (and INCIDENTS_CHANNEL) names, with why Klaxon needs to be in it."""
    needs: dict[str, set[Need]] = {}

    def need(channel: str | None, use: Use, subject: str = "") -> None:
        if channel:
            needs.setdefault(channel, set()).add(Need(use, subject))

    need(incidents_channel, Use.INCIDENTS_CHANNEL)
    for rule in config.rules:
        if rule.enabled:
            need(rule.target_channel, Use.RULE_TARGET, rule.id)
            for channel in rule.channels:
                need(channel, Use.RULE_SCOPE, rule.id)
    preferences = config.preferences
    for source, channel in preferences.source_channels.items():
        need(channel, Use.SOURCE_CHANNEL, source)
    for channel in preferences.host_board_channels:
        need(channel, Use.HOST_BOARD)
    need(preferences.reminder_channel, Use.REMINDERS)
    need(preferences.unmatched_channel, Use.UNMATCHED)
    for channel, default in config.channel_defaults.items():
        if channel != EVERY_CHANNEL and default is not ChannelDefault.IGNORE:
            need(channel, Use.CHANNEL_DEFAULT, str(default))
    for channel, policy in config.channel_policies.items():
        need(channel, Use.CHANNEL_POLICY, policy)
    for channel in preferences.paging_channels:
        need(channel, Use.PAGING_CHANNEL)
    return needs


def sources_in_use(config: Configuration) -> frozenset[str]:
    """The monitoring sources the configuration routes or pages, or scopes a rule to (`from webhook:gcp`)."""
    preferences = config.preferences
    named = {*preferences.source_channels, *preferences.source_policies, *preferences.source_ack_timeouts}
    named |= {poster.removeprefix(SOURCE_ACTOR_PREFIX) for rule in config.rules for poster in rule.posters
              if poster.startswith(SOURCE_ACTOR_PREFIX)}
    return frozenset(named)


def _listed(need: Need) -> tuple[int, str]:
    """Needs in the order Use lists them (where Klaxon posts, then where it listens)."""
    return list(Use).index(need.use), need.subject


def _channel(channel: str, needs: tuple[Need, ...], joined: dict[str, ChannelFacts],
             installation: Installation) -> ChannelCheck:
    facts = joined.get(channel) or installation.channel(channel)
    if facts is None:
        return ChannelCheck(channel, None, Presence.UNSEEN, needs)
    if facts.archived:
        presence = Presence.ARCHIVED
    else:
        presence = Presence.IN if channel in joined else Presence.NOT_IN
    return ChannelCheck(channel, facts.name, presence, needs)


def _sources(deployment: Deployment, config: Configuration) -> tuple[SourceCheck, ...]:
    in_use = sources_in_use(config)
    found = []
    for source in SOURCES:
        expected = source in in_use
        if source == cloudwatch.SOURCE:
            topics = deployment.sns_topics
            found.append(SourceCheck(source, None if topics is None else bool(topics), expected))
            continue
        keys, kept = SOURCE_KEYS[source], deployment.webhook_keys
        present = tuple(key for key in keys if kept and key in kept)
        found.append(SourceCheck(source, None if kept is None else bool(present), expected, keys, present))
    return tuple(found)
