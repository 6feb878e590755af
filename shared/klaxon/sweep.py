"""The scheduled sweep: every minute, the work that has come due (SPEC §2, §3, §4, §5).

It reads only what is due, through the `due` index (no Scan anywhere): alerts still unposted once their
raiser's posting lease ran out (or whose channel could not be reached), pages whose next step has come,
alerts whose ack timeout ran out, the alerts nobody has handled
for longer than the digest threshold (which also feed the reconcile), the recently handled ones for a
verbose digest, the digest posts, declared incidents whose next reminder has come (klaxon.incidents.
reminding), and, every few minutes, the hosts for each board channel's host board. It also carries the
workspace directory's refresh on by a few Slack list pages (klaxon.directory.refresh). Two sweeps may overlap
(EventBridge delivers at least once; a slow sweep can run into the next): every effect is guarded so that
overlap never posts twice and nothing happens before it is due - a step, a timer, a board or a reminder is
taken by a conditional write that checks its due time, a digest or board is drawn under a lock that an
older sweep cannot take after a newer one, a reminder slot under a claim.

Each step runs even if an earlier one failed; a failure is logged, and re-raised once all have run
so the function reports an error (and its alarm fires). The read of what nobody acknowledged is a step
of its own: if it fails, only the steps that need it (reconcile, digests) are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from klaxon.alerts.digests import Digest, DigestPost, Unreachable, reminder_slots
from klaxon.alerts.overdue import open_alerts, overdue_digests
from klaxon.alerts.ports import DigestPosts
from klaxon.alerts.posting import note_unreachable, post_waiting
from klaxon.alerts.reconcile import reconcile
from klaxon.alerts.storms import draw_trailing
from klaxon.configuration.model import Configuration
from klaxon.directory.ports import WorkspaceSlack
from klaxon.directory.refresh import refresh_directory
from klaxon.events import Publish
from klaxon.incidents.desk import IncidentDesk
from klaxon.incidents.reminding import send_reminders as incident_reminders
from klaxon.monitoring.hosts import compose as compose_board
from klaxon.paging import service as paging
from klaxon.paging.service import Pager
from klaxon.ports import ChannelUnreachable, SlackDirectory, SlackGateway, Store
from klaxon.silences.model import host_mutes

logger = logging.getLogger("klaxon.sweep")

LISTED_LIMIT = 500  # unposted alerts, pages and reminders a sweep takes on; the rest wait for the next sweep
RELIST_LIMIT = 100  # alerts from before per-channel lists moved into their channel's list each sweep


class Step(StrEnum):
    """A sweep's steps, as its report (and the SweepWork metric's Step dimension) names them."""

    POSTED = "posted"
    REPEATS_DRAWN = "repeats_drawn"
    PAGES_STARTED = "pages_started"
    PAGES_ADVANCED = "pages_advanced"
    RELISTED = "relisted"
    UNACKNOWLEDGED = "unacknowledged"
    RECONCILED = "reconciled"
    DIGESTS = "digests"
    REMINDERS = "reminders"
    HOST_BOARDS = "host_boards"
    DIRECTORY_PAGES = "directory_pages"
    INCIDENT_REMINDERS = "incident_reminders"


class SweepFailed(RuntimeError):
    """One or more steps failed; the others ran."""


@dataclass
class SweepReport:
    """What one sweep did, returned by the function and logged."""

    started_at: str
    done: dict[Step, int] = field(default_factory=dict)
    failed: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class SweepContext:
    store: Store
    slack: SlackGateway
    directory: SlackDirectory
    config: Configuration
    now: datetime
    publish: Publish
    time_left_ms: Callable[[], int] = lambda: 60_000
    incidents: IncidentDesk | None = None  # declared incidents' reminders (none: no incident work this sweep)
    workspace: WorkspaceSlack | None = None  # Slack's lists, for the directory's refresh (none: no refresh)

    @property
    def pager(self) -> Pager:
        return Pager(store=self.store, slack=self.slack, directory=self.directory, now=self.now,
                     publish=self.publish)


def sweep(ctx: SweepContext) -> SweepReport:
    """One sweep: alerts left unposted (a dead worker's, a webhook storm's tail, a channel Klaxon could not
    post in), escalations (they are what wakes people), then reconcile, digests, reminders."""
    report = SweepReport(started_at=ctx.now.isoformat())
    nothing_posted: tuple[int, list[Unreachable]] = (0, [])
    _, unreachable = _run(report, Step.POSTED, lambda: post_waiting(
        store=ctx.store, slack=ctx.slack, publish=ctx.publish, now=ctx.now, limit=LISTED_LIMIT,
        time_left_ms=ctx.time_left_ms), fallback=nothing_posted, size=lambda done: done[0]) or nothing_posted
    cannot = {u.channel for u in unreachable}
    _run(report, Step.PAGES_STARTED, lambda: paging.page_overdue_alerts(ctx.pager, ctx.config, limit=LISTED_LIMIT,
                                                                      unreachable=cannot), fallback=0)
    _run(report, Step.PAGES_ADVANCED, lambda: paging.advance(ctx.store.pages.due(ctx.now, limit=LISTED_LIMIT),
                                                          ctx.pager), fallback=0)
    # After paging (what wakes people), before the digests (which show the counts drawn).
    _run(report, Step.REPEATS_DRAWN, lambda: draw_trailing(store=ctx.store, slack=ctx.slack, now=ctx.now,
                                                           limit=LISTED_LIMIT), fallback=0)
    _run(report, Step.RELISTED, lambda: _relist(ctx), fallback=0)
    read = _run(report, Step.UNACKNOWLEDGED, lambda: _overdue(ctx, unreachable), fallback=None,
                size=lambda done: sum(digest.open_total for digest in done[1]))
    if read is not None:  # unread, the digests would say nothing is overdue: they are skipped instead
        _reconcile_and_digest(ctx, report, read[1], read[0])
    _run(report, Step.REMINDERS, lambda: send_reminders(ctx), fallback=0)
    _run(report, Step.HOST_BOARDS, lambda: refresh_host_boards(ctx), fallback=0)
    if ctx.workspace is not None:
        workspace = ctx.workspace
        _run(report, Step.DIRECTORY_PAGES, lambda: refresh_directory(ctx.store.directory, workspace, ctx.now),
             fallback=None, size=lambda refreshed: refreshed.staged)
    if ctx.incidents is not None:
        desk = ctx.incidents
        _run(report, Step.INCIDENT_REMINDERS, lambda: incident_reminders(desk, limit=LISTED_LIMIT), fallback=0)
    if report.failed:
        raise SweepFailed(f"sweep steps failed: {', '.join(report.failed)} (done: {report.done})")
    return report


def _overdue(ctx: SweepContext, unreachable: Sequence[Unreachable]) -> tuple[dict[str, DigestPost], list[Digest]]:
    """Every enlisted channel's digest post, and its digest as of now."""
    posts = ctx.store.digests.all()
    return posts, overdue_digests(ctx.store.alerts, posts, ctx.config.preferences, ctx.now, unreachable)


def _relist(ctx: SweepContext) -> int:
    """Alerts stored before each channel had its own lists join their channel's list (and the channel the
    digests), a hundred a sweep: none is left out of a digest by the upgrade."""
    moved = ctx.store.alerts.relist(RELIST_LIMIT)
    for channel in {alert.target_channel for alert in moved}:
        ctx.store.digests.enlist(channel)
    return len(moved)


def _reconcile_and_digest(ctx: SweepContext, report: SweepReport, digests: list[Digest],
                          posts: Mapping[str, DigestPost]) -> None:
    """Repair missed reactions on the oldest listed alerts (across channels), then draw the digests without
    the alerts the repair found handled."""
    preferences = ctx.config.preferences
    overdue = sorted((alert for digest in digests for alert in digest.unacknowledged), key=lambda a: a.first_seen)
    current = _run(report, Step.RECONCILED, lambda: reconcile(
        overdue, store=ctx.store, slack=ctx.slack, publish=ctx.publish, handled=preferences.handled_reactions,
        budget=preferences.reconcile_limit, now=ctx.now, time_left_ms=ctx.time_left_ms), fallback=overdue)
    still = {alert.id for alert in current or []}
    _run(report, Step.DIGESTS, lambda: refresh_digests(ctx, [_without_handled(d, still) for d in digests], posts),
         fallback=0)


def _without_handled(digest: Digest, still: set[str]) -> Digest:
    kept = tuple(alert for alert in digest.unacknowledged if alert.id in still)
    return replace(digest, unacknowledged=kept,
                   counted_open=digest.open_total - (len(digest.unacknowledged) - len(kept)))


def _run[T](report: SweepReport, name: Step, step: Callable[[], T], fallback: T | None,
            size: Callable[[T], int] | None = None) -> T | None:
    """Run one step; count what it did (`size`, else the int or list it returns), or log its failure and
    carry on with `fallback`."""
    try:
        result = step()
    except Exception:
        logger.exception("sweep step %s failed", name)
        report.failed.append(name)
        return fallback
    if size is not None:
        report.done[name] = size(result)
    elif isinstance(result, int | list):
        report.done[name] = result if isinstance(result, int) else len(result)
    return result


# ---------------------------------------------------------------------- digests
def refresh_digests(ctx: SweepContext, digests: Sequence[Digest], posts: Mapping[str, DigestPost]) -> int:
    """Draw each incidents channel's digest where what it shows changed; returns how many were drawn.

    Channels Klaxon cannot post in get none (klaxon.alerts.overdue): every other digest names them.
    """
    drawn = 0
    for digest in digests:
        post = posts.get(digest.channel)
        if (post and post.fingerprint == digest.fingerprint) or ((post is None or post.ts is None)
                                                                and digest.is_empty):
            continue  # unchanged, or nothing to say and no message to clear
        # The callbacks run within redraw(), in this turn of the loop: `digest` is this one.
        drawn += redraw(ctx, ctx.store.digests, digest.channel, digest.fingerprint,
                        post=lambda: ctx.slack.post_digest(digest),  # noqa: B023
                        update=lambda ts: ctx.slack.update_digest(digest, ts))  # noqa: B023
    return drawn


def redraw(ctx: SweepContext, posts: DigestPosts, channel: str, fingerprint: str, *, post: Callable[[], str],
           update: Callable[[str], None], drawn_before: datetime | None = None) -> bool:
    """Keep one channel's message in place under its lock: post it if the channel has none yet, update it if
    what it shows changed; whether Slack was asked (False: unchanged, not due again since `drawn_before`, or
    an overlapping sweep has it). A channel Klaxon cannot post in is told to the admins; the others go on."""
    locked = posts.lock(channel, ctx.now, drawn_before)
    if locked is None:
        return False  # an overlapping (or newer) sweep is drawing this channel, or drew it since it was due
    ts, drawn_at, drawn_as, asked = locked.ts, locked.drawn_at, locked.fingerprint, False
    try:
        if ts is None:
            ts, asked = post(), True
        elif locked.fingerprint != fingerprint:
            update(ts)
            asked = True
        drawn_at, drawn_as = ctx.now, fingerprint
    except ChannelUnreachable as cannot:  # e.g. Klaxon was removed from the channel since
        note_unreachable(cannot, store=ctx.store, now=ctx.now)
    finally:
        posts.release(replace(locked, ts=ts, fingerprint=drawn_as if ts else None, drawn_at=drawn_at))
    return asked


# ---------------------------------------------------------------------- host boards
def refresh_host_boards(ctx: SweepContext) -> int:
    """Every `host-board-every`, redraw the host board in each board channel where what it shows changed
    (one read of every host, only when a board is due); returns how many were drawn."""
    preferences = ctx.config.preferences
    every = timedelta(seconds=preferences.host_board_every_seconds)
    posts = ctx.store.boards.all()
    due = [channel for channel in preferences.host_board_channels
           if (kept := posts.get(channel)) is None or kept.drawn_at is None or kept.drawn_at + every <= ctx.now]
    if not due:
        return 0
    mutes = host_mutes(ctx.store.silences.all(), ctx.now)
    board = compose_board(ctx.store.hosts.all(), {host: mute.ends_at for host, mute in mutes.items()})
    drawn = 0
    for channel in due:  # the callbacks run within redraw(), in this turn of the loop
        # The lock checks the board is still due: an overlapping sweep may have drawn it since `posts` was read.
        drawn += redraw(ctx, ctx.store.boards, channel, board.fingerprint, drawn_before=ctx.now - every,
                        post=lambda: ctx.slack.post_board(channel, board),  # noqa: B023
                        update=lambda ts: ctx.slack.update_board(channel, ts, board))  # noqa: B023
    return drawn


# ---------------------------------------------------------------------- reminders
def send_reminders(ctx: SweepContext) -> int:
    """Post "N alerts nobody has handled" to the reminder channel at each configured hour, once."""
    preferences = ctx.config.preferences
    if not preferences.reminder_channel:
        return 0
    sent = 0
    for slot in reminder_slots(preferences, ctx.now):
        claim = f"reminder:{slot.isoformat()}"
        if not ctx.store.claims.claim(claim, ctx.now):
            continue  # sent already, or an overlapping sweep is sending it
        try:
            ctx.slack.post_reminder(preferences.reminder_channel,
                                    open_alerts(ctx.store.alerts, ctx.store.digests.all(), ctx.now))
        except Exception:
            ctx.store.claims.release(claim)
            raise
        ctx.store.claims.complete(claim, ctx.now)
        sent += 1
    return sent
