"""The sweep's directory step: copy the workspace's people, channels and user groups into the snapshot, a
few list pages a sweep, resuming from Slack's cursor where the last sweep stopped.

users.list and conversations.list are Tier 2 (about 20 calls a minute each, docs.slack.dev/apis/web-api/
rate-limits); a sweep spends at most `PAGES_PER_SWEEP` calls, so commands and the sweep's other work keep
most of the budget. 20,000 people (1,000 a page) and their channels are copied in about five sweeps. A
refresh is kept in the store after every page, so a sweep that dies or is rate-limited loses nothing: the
next one carries on from the cursor. Two overlapping sweeps cannot both stage a page: the second finds the
refresh moved and stops. When the last page is in, the staged pages become the snapshot lookups read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from klaxon.directory.model import Phase, Refresh
from klaxon.directory.ports import DirectorySnapshots, ListPage, WorkspaceSlack
from klaxon.ports import SlackBusy

logger = logging.getLogger("klaxon.directory")

PAGES_PER_SWEEP = 5  # list calls a sweep may make: a quarter of Tier 2's minute
REFRESH_EVERY = timedelta(minutes=10)  # a new refresh starts this long after the last one started


@dataclass(frozen=True)
class Refreshed:
    """What one sweep's step did: Slack calls made, pages staged, and whether a snapshot was published."""

    calls: int = 0
    staged: int = 0
    published: bool = False


def refresh_directory(snapshots: DirectorySnapshots, slack: WorkspaceSlack, now: datetime,
                      budget: int = PAGES_PER_SWEEP) -> Refreshed:
    """Carry the directory's refresh on by at most `budget` Slack calls (starting one when the last is
    `REFRESH_EVERY` old), and publish it once its last page is staged."""
    refresh = _under_way(snapshots, now)
    if refresh is None:
        return Refreshed()
    calls = staged = 0
    while not refresh.done and calls < budget:
        try:
            page = _page(refresh, slack)
        except SlackBusy as busy:  # the next sweep resumes from the cursor kept
            logger.info("directory refresh paused: %s", busy)
            break
        finally:
            calls += 1
        moved = refresh.after_page(page.next_cursor)
        if not snapshots.stage(refresh, moved, page.listings):
            return Refreshed(calls, staged)  # an overlapping sweep is refreshing: it carries on
        refresh, staged = moved, staged + 1
    if not refresh.done:
        return Refreshed(calls, staged)
    current = snapshots.current()
    if current is not None and current.generation == refresh.generation:
        return Refreshed(calls, staged)
    snapshots.publish(refresh, now)
    return Refreshed(calls, staged, published=True)


def _under_way(snapshots: DirectorySnapshots, now: datetime) -> Refresh | None:
    """The refresh to carry on: the one under way, a new one when the last is old enough, or (None) none."""
    last = snapshots.progress()
    if last is not None and (not last.done or now - last.started_at < REFRESH_EVERY):
        return last
    refresh = Refresh(generation=f"{now.timestamp():.6f}", started_at=now)
    return refresh if snapshots.begin(last, refresh) else None


def _page(refresh: Refresh, slack: WorkspaceSlack) -> ListPage:
    if refresh.phase is Phase.PEOPLE:
        return slack.people_page(refresh.cursor)
    if refresh.phase is Phase.CHANNELS:
        return slack.channels_page(refresh.cursor)
    return slack.groups_page()
