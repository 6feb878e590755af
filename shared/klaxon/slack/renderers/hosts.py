"""The host board as Slack shows it: the message kept in each board channel (Block Kit) and `/klaxon hosts`
(text), one listing for both - down hosts first (longest down first), then muted ones, then a count of the
hosts that are up. With thousands of hosts it stays inside Slack's limits (50 blocks a message, 3,000
characters a section): at most DOWN_LISTED down and MUTED_LISTED muted hosts are named, the rest counted.
Host names and titles come from monitoring payloads: shown as text, never as markup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from klaxon.alerts.gathering import truncate
from klaxon.markup import escaped
from klaxon.monitoring.hosts import Board, Host
from klaxon.silences.model import Silence
from klaxon.slack.mrkdwn import slack_date
from klaxon.slack.renderers.digests import capped, listed_sections
from klaxon.slack.renderers.silences import silence_line
from klaxon.wording import counted

DOWN_LISTED = 100
MUTED_LISTED = 30
NAME_SHOWN = 80
TITLE_SHOWN = 100


def board_blocks(board: Board) -> list[Block]:
    """The board message: a head line, the down hosts, the muted ones, and how it is kept."""
    blocks: list[Block] = [SectionBlock(block_id="hosts.head", text=MarkdownTextObject(text=_head(board)))]
    blocks += listed_sections("hosts.down", [_down_line(host) for host in board.down], DOWN_LISTED, "down")
    blocks += listed_sections("hosts.muted", [_muted_line(host, until) for host, until in board.muted],
                              MUTED_LISTED, "muted")
    blocks.append(ContextBlock(block_id="hosts.note", elements=[MarkdownTextObject(
        text=f"{counted(board.up, 'host')} up. Redrawn in place when a host changes; `/klaxon hosts` shows it now, "
             "`/klaxon hosts mute <host> for 2h` mutes one.")]))
    return blocks


def board_fallback(board: Board) -> str:
    """The notification text: how many hosts are down, muted and up."""
    return f"Host board: {len(board.down)} down, {len(board.muted)} muted, {board.up} up"


def board_text(board: Board) -> str:
    """`/klaxon hosts`: the same listing as text."""
    lines = [_head(board)]
    lines += capped([_down_line(host) for host in board.down], DOWN_LISTED, "down")
    lines += capped([_muted_line(host, until) for host, until in board.muted], MUTED_LISTED, "muted")
    lines.append(f"{counted(board.up, 'host')} up.")
    return "\n".join(lines)


def mutes_text(mutes: Sequence[tuple[str, Silence]], now: datetime) -> str:
    """`/klaxon hosts muted`: each muted host, until when, by whom and why (its silence)."""
    if not mutes:
        return "No host is muted. `/klaxon hosts mute <host> for 2h` mutes one."
    lines = [f"*{counted(len(mutes), 'host')} muted:*"]
    lines += [f"• *{_name(host)}* {silence_line(silence, now).removeprefix('• ')}" for host, silence in mutes]
    return "\n".join(lines)


def _head(board: Board) -> str:
    if not board.total:
        return ":white_circle: *Host board*: no hosts yet - they appear when a monitoring source names one."
    badge = ":red_circle:" if board.down else ":large_green_circle:"
    return f"{badge} *Host board*: {len(board.down)} down, {len(board.muted)} muted, {board.up} up " \
           f"({counted(board.total, 'host')})"


def _down_line(host: Host) -> str:
    title = f" · {escaped(truncate(host.latest_title, TITLE_SHOWN))}" if host.latest_title else ""
    return f"• :red_circle: *{_name(host.name)}* down since {slack_date(host.since)} · last change " \
           f"{slack_date(host.last_change)}{title}"


def _muted_line(host: Host, until: datetime) -> str:
    state = f"down since {slack_date(host.since)}" if not host.is_up else "up"
    return f"• :no_bell: *{_name(host.name)}* muted until {slack_date(until)} · {state}"


def _name(host: str) -> str:
    return escaped(truncate(host, NAME_SHOWN))
