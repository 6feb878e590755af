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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from klaxon.alerts.digests import HANDLED_LOOKBACK, Unreachable, compose, reminder_slots
from klaxon.alerts.model import Alert
from klaxon.alerts.ports import DigestPosts
from klaxon.alerts.posting import note_unreachable, post_waiting
from klaxon.alerts.reconcile import reconcile
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

LISTED_LIMIT = 500  # alerts a sweep reads for a digest; beyond this the digest says "and more"


class SweepFailed(RuntimeError):
    """One or more steps failed; the others ran."""


@dataclass
class SweepReport:
    """What one sweep did, returned by the function and logged."""

    started_at: str
    done: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


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
    _, unreachable = _run(report, "posted", lambda: post_waiting(
        store=ctx.store, slack=ctx.slack, publish=ctx.publish, now=ctx.now, limit=LISTED_LIMIT,
        time_left_ms=ctx.time_left_ms), fallback=nothing_posted, size=lambda done: done[0]) or nothing_posted
    cannot = {u.channel for u in unreachable}
    _run(report, "pages_started", lambda: paging.page_overdue_alerts(ctx.pager, ctx.config, limit=LISTED_LIMIT,
                                                                      unreachable=cannot), fallback=0)
    _run(report, "pages_advanced", lambda: paging.advance(ctx.store.pages.due(ctx.now, limit=LISTED_LIMIT),
                                                          ctx.pager), fallback=0)
    overdue = _run(report, "unacknowledged", lambda: ctx.store.alerts.unacknowledged(
        seen_before=ctx.now - timedelta(seconds=ctx.config.preferences.digest_after_seconds), limit=LISTED_LIMIT),
        fallback=None)
    if overdue is not None:  # unread, the digests would say nothing is overdue: they are skipped instead
        _reconcile_and_digest(ctx, report, overdue, unreachable)
    _run(report, "reminders", lambda: send_reminders(ctx), fallback=0)
    _run(report, "host_boards", lambda: refresh_host_boards(ctx), fallback=0)
    if ctx.workspace is not None:
        workspace = ctx.workspace
        _run(report, "directory_pages", lambda: refresh_directory(ctx.store.directory, workspace, ctx.now),
             fallback=None, size=lambda refreshed: refreshed.staged)
    if ctx.incidents is not None:
        desk = ctx.incidents
        _run(report, "incident_reminders", lambda: incident_reminders(desk, limit=LISTED_LIMIT), fallback=0)
    if report.failed:
        raise SweepFailed(f"sweep steps failed: {', '.join(report.failed)} (done: {report.done})")
    return report


def _reconcile_and_digest(ctx: SweepContext, report: SweepReport, overdue: list[Alert],
                          unreachable: Sequence[Unreachable]) -> None:
    preferences = ctx.config.preferences
    current = _run(report, "reconciled", lambda: reconcile(
        overdue, store=ctx.store, slack=ctx.slack, publish=ctx.publish, handled=preferences.handled_reactions,
        budget=preferences.reconcile_limit, now=ctx.now, time_left_ms=ctx.time_left_ms), fallback=overdue)
    _run(report, "digests", lambda: refresh_digests(ctx, current or [], unreachable), fallback=0)


def _run[T](report: SweepReport, name: str, step: Callable[[], T], fallback: T | None,
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
def refresh_digests(ctx: SweepContext, overdue: list[Alert], unreachable: Sequence[Unreachable] = ()) -> int:
    """Draw each incidents channel's digest where what it shows changed; returns how many were drawn.

    Channels Klaxon cannot post in get none: every other digest names them, with the alerts waiting.
    """
    preferences = ctx.config.preferences
    handled = ctx.store.alerts.recently_handled(ctx.now - HANDLED_LOOKBACK, limit=LISTED_LIMIT) \
        if preferences.verbose_digest else []
    posts = ctx.store.digests.all()
    drawn = 0
    for digest in compose(overdue, handled, preferences, posts, unreachable):
        post = posts.get(digest.channel)
        if (post and post.fingerprint == digest.fingerprint) or (post is None and digest.is_empty):
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
            open_alerts = ctx.store.alerts.unacknowledged(seen_before=ctx.now, limit=LISTED_LIMIT)
            ctx.slack.post_reminder(preferences.reminder_channel, open_alerts)
        except Exception:
            ctx.store.claims.release(claim)
            raise
        ctx.store.claims.complete(claim, ctx.now)
        sent += 1
    return sent
