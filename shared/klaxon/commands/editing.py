"""What `/klaxon` commands work with, and how a change to the configuration is made: once, audited, and
never lost to a racing admin.

Every change is computed from a freshly read configuration and committed on the condition that nobody
changed it meanwhile; on a conflict the change is computed again from the newer configuration, so
concurrent edits never lose an update. A refused command writes nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from klaxon.alerts.judging import Identity
from klaxon.alerts.ports import AlertRepository, DigestPosts
from klaxon.clock import Clock
from klaxon.commands.model import Answer, Change, Done, Refusal, Unchanged
from klaxon.configuration.model import AuditEntry, Configuration, ConfigurationConflict, ConfigurationStore
from klaxon.doctor.checkup import Deployment
from klaxon.doctor.ports import Installation
from klaxon.monitoring.hosts import HostRepository
from klaxon.ports import MessageReader, SlackDirectory
from klaxon.silences.model import Silence
from klaxon.silences.ports import SilenceRepository

COMMIT_ATTEMPTS = 8  # each round of racing editors lets one through; a few admins settle well within this


class Refused(Exception):
    """The command cannot be carried out as given; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Invocation:
    """One `/klaxon` command: its text, who typed it, and in which channel."""

    text: str
    actor: str
    channel: str


@dataclass(frozen=True)
class Console:
    """What commands work with (klaxon.services builds it for each command).

    `describe` words a change for the audit trail (Slack's renderer: the trail is read in Slack).
    """

    configuration: ConfigurationStore
    alerts: AlertRepository
    silences: SilenceRepository
    hosts: HostRepository
    directory: SlackDirectory
    clock: Clock
    me: Identity
    admin_users: frozenset[str]
    describe: Callable[[Change], str]
    admin_group: str | None = None
    messages: MessageReader | None = None  # reads a message by its link, for `rule test <link>`
    digests: DigestPosts | None = None  # the incidents channels whose digests `report` shows
    installation: Installation | None = None  # what Slack says of the installation, for `doctor`
    deployment: Callable[[], Deployment] | None = None  # what the stack was deployed with, for `doctor`


@dataclass(frozen=True)
class Edit:
    """A configuration change, ready to commit: the new configuration, what changed, and the audit's
    before and after."""

    config: Configuration
    change: Change
    before: Any = None
    after: Any = None
    silences: tuple[Silence, ...] = ()  # restored with the change, in its one commit (an import's)


def edit(console: Console, invocation: Invocation, action: str, change: Callable[[Configuration], Edit]) -> Answer:
    """Compute the change from the latest configuration and commit it, again if someone else got there first.

    `action` names it in the audit trail (`rule add`, `settings verbose` …).
    """
    for attempt in range(COMMIT_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))  # let the racing editor finish first
        base = console.configuration.load()
        made = change(base)
        _ = made.config.rulebook  # compiles every rule: a configuration that cannot match is never written
        if made.config == base and not made.silences:
            return Unchanged(made.change)
        entry = audit_entry(console, invocation, action, made.change, before=made.before, after=made.after)
        try:
            console.configuration.commit(base, made.config, entry, made.silences)
        except ConfigurationConflict:
            continue
        return Done(made.change)
    return Refusal("the configuration kept changing under this edit; nothing was written, try again")


def audit_entry(console: Console, invocation: Invocation, action: str, change: Change, *, before: Any = None,
                after: Any = None) -> AuditEntry:
    """The audit trail's record of a change made now by whoever typed the command (who, when, what, before, after)."""
    return AuditEntry(actor=invocation.actor, at=console.clock.now(), action=action, summary=console.describe(change),
                      before=before, after=after)


def require_admin(actor: str, console: Console) -> None:
    """Raise Refused unless `actor` is an admin (ADMIN_USERS, or a member of ADMIN_USER_GROUP)."""
    if actor in console.admin_users:
        return
    if console.admin_group and actor in console.directory.group_members(console.admin_group):
        return
    if not console.admin_users and not console.admin_group:
        raise Refused("Klaxon has no admins yet: set the AdminUsers parameter (ADMIN_USERS) when deploying")
    admins = ", ".join(f"<@{user}>" for user in sorted(console.admin_users))
    group = f" or a member of <!subteam^{console.admin_group}>" if console.admin_group else ""
    raise Refused(f"only Klaxon admins can change rules, settings and silences; ask {admins or 'an admin'}{group}. "
                  "Anyone may `rule list`, `rule test`, `silence list`, `hosts` and `export`")
