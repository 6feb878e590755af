"""The scheduled sweep: every minute, the work that has come due (SPEC §2, §3).

It reads only what is due, through the `due` index (no Scan anywhere): pages whose next step has come,
alerts whose ack timeout ran out, alerts recorded but never posted, the alerts nobody has handled
for longer than the digest threshold (which also feed the reconcile), the recently handled ones for a
verbose digest, and the digest posts. Two sweeps may overlap (EventBridge delivers at least once; a slow
sweep can run into the next): every effect is guarded so that overlap never posts twice - a lock per
digest, a claim per reminder slot.

Each step runs even if an earlier one failed; a failure is logged, and re-raised once all have run
so the function reports an error (and its alarm fires).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from klaxon import paging, reposting
from klaxon.alerts import Alert
from klaxon.configuration import Configuration
from klaxon.digests import HANDLED_LOOKBACK, Unreachable, compose, reminder_slots
from klaxon.handling import apply_repair, repair
from klaxon.paging import Pager
from klaxon.ports import ChannelUnreachable, SlackBusy, SlackDirectory, SlackGateway, Store

logger = logging.getLogger("klaxon.sweep")

LISTED_LIMIT = 500  # alerts a sweep reads for a digest; beyond this the digest says "and more"
MIN_TIME_LEFT_MS = 10_000  # stop reconciling with this much of the Lambda's time left


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
    time_left_ms: Callable[[], int] = lambda: 60_000

    @property
    def pager(self) -> Pager:
        return Pager(store=self.store, slack=self.slack, directory=self.directory, now=self.now)


def sweep(ctx: SweepContext) -> SweepReport:
    """One sweep: escalations first (they are what wakes people), then alerts left unposted, reconcile,
    digests, reminders."""
    report = SweepReport(started_at=ctx.now.isoformat())
    _run(report, "pages_started", lambda: paging.page_overdue_alerts(ctx.pager, ctx.config, limit=LISTED_LIMIT),
         fallback=0)
    _run(report, "pages_advanced", lambda: paging.advance(ctx.store.pages.due(ctx.now, limit=LISTED_LIMIT),
                                                          ctx.pager), fallback=0)
    nothing_reposted: tuple[int, list[Unreachable]] = (0, [])
    _, unreachable = _run(report, "reposted", lambda: reposting.post_waiting(
        ctx.store, ctx.slack, ctx.now, limit=LISTED_LIMIT), fallback=nothing_reposted, size=lambda done: done[0])
    overdue = ctx.store.alerts.unacknowledged(seen_before=ctx.now - timedelta(
        seconds=ctx.config.preferences.digest_after_seconds), limit=LISTED_LIMIT)
    overdue = _run(report, "reconciled", lambda: reconcile(ctx, overdue), fallback=overdue)
    _run(report, "digests", lambda: refresh_digests(ctx, overdue, unreachable), fallback=0)
    _run(report, "reminders", lambda: send_reminders(ctx), fallback=0)
    if report.failed:
        raise SweepFailed(f"sweep steps failed: {', '.join(report.failed)} (done: {report.done})")
    return report


def _run[T](report: SweepReport, name: str, step: Callable[[], T], fallback: T,
            size: Callable[[T], int] | None = None) -> T:
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


# ---------------------------------------------------------------------- reconcile
def reconcile(ctx: SweepContext, overdue: list[Alert]) -> list[Alert]:
    """Repair missed reaction events for the oldest unacknowledged alerts, within the reactions.get budget.

    Returns the overdue alerts as they are now (those found handled drop out).
    """
    budget = ctx.config.preferences.reconcile_limit
    handled = ctx.config.preferences.handled_reactions
    repaired: dict[str, Alert | None] = {}
    for alert in overdue:
        messages = _messages(alert)
        if len(messages) > budget or ctx.time_left_ms() < MIN_TIME_LEFT_MS:
            break
        try:
            seen = {message: ctx.slack.reactions(*message) for message in messages}
        except SlackBusy as busy:
            logger.warning("reconcile stopped: %s", busy)
            break
        budget -= len(messages)
        fix = repair(alert, seen, handled, ctx.now)
        if fix:
            logger.info("reconcile repaired %s: +%d -%d marks", alert.id, len(fix.add), len(fix.remove))
            repaired[alert.id] = apply_repair(alert, fix, store=ctx.store, slack=ctx.slack)
    current = [repaired[alert.id] if alert.id in repaired else alert for alert in overdue]
    return [alert for alert in current if alert is not None and not alert.marks and not alert.resolved_by]


def _messages(alert: Alert) -> list[tuple[str, str]]:
    found = [(alert.source_channel, alert.source_ts)]
    if alert.post_ts:
        found.append((alert.target_channel, alert.post_ts))
    return found


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
        locked = ctx.store.digests.lock(digest.channel, ctx.now)
        if locked is None:
            continue  # an overlapping sweep is drawing this channel now
        ts, drew = locked.ts, False
        try:
            if ts:
                ctx.slack.update_digest(digest, ts)
            else:
                ts = ctx.slack.post_digest(digest)
            drew = True
        except ChannelUnreachable as cannot:  # e.g. Klaxon was removed from the channel: the others go on
            reposting.note_unreachable(cannot, store=ctx.store, now=ctx.now)
        finally:
            ctx.store.digests.release(replace(locked, ts=ts, fingerprint=digest.fingerprint if drew else None))
        drawn += drew
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
