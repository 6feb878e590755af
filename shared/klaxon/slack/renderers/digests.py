"""What nobody has handled, as Slack shows it: a channel's digest (one message updated in place), the
reminder, and `/klaxon report` - one renderer, so the three always list an alert the same way."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from klaxon.alerts.digests import Digest
from klaxon.alerts.model import Alert
from klaxon.commands.durations import format_duration
from klaxon.slack.mrkdwn import slack_date
from klaxon.slack.renderers.alerts import SECTION_LIMIT, actor, first_line, label
from klaxon.wording import counted

LISTED = 60  # alerts a digest or reminder lists before "…and N more" (Slack allows 50 blocks a message)


def digest_blocks(digest: Digest) -> list[Block]:
    """A channel's digest: what nobody has acknowledged, and (verbose) what was handled and by whom."""
    blocks: list[Block] = [SectionBlock(block_id="digest.head", text=MarkdownTextObject(text=_head(digest)))]
    blocks += listed_sections("digest.open", [_open_line(alert) for alert in digest.unacknowledged])
    if digest.verbose:
        blocks.append(SectionBlock(block_id="digest.handled_head", text=MarkdownTextObject(
            text=_handled_head(digest))))
        blocks += listed_sections("digest.handled", [_handled_line(alert) for alert in digest.handled])
    blocks += _unreachable_sections(digest)
    blocks.append(ContextBlock(block_id="digest.note", elements=[MarkdownTextObject(
        text="Acknowledge an alert with its button or a handled reaction; this list updates itself.")]))
    return blocks


def _unreachable_sections(digest: Digest) -> list[Block]:
    """The incidents channels Klaxon cannot post in, each with its reason and the alerts waiting: the admins
    must invite it there (they are told in the audit trail too)."""
    if not digest.unreachable:
        return []
    head = SectionBlock(block_id="digest.unreachable_head", text=MarkdownTextObject(
        text=":warning: *Klaxon cannot post in these incidents channels.* Invite it there with `/invite @klaxon`; "
             "the alerts waiting are posted within a minute."))
    lines = [f"• <#{u.channel}> (`{u.reason}`): {counted(u.waiting, 'alert')} waiting" for u in digest.unreachable]
    return [head, *listed_sections("digest.unreachable", lines)]


def digest_fallback(digest: Digest) -> str:
    count = len(digest.unacknowledged)
    return f"{counted(count, 'alert')} nobody has acknowledged" if count else "Nothing unacknowledged"


def report_text(report: Digest) -> str:
    """`/klaxon report`: the digest across every incidents channel, each line naming its channel."""
    lines = [_head(report), *(_open_line(alert, across=True) for alert in report.unacknowledged)]
    if report.verbose:
        lines += [_handled_head(report), *(_handled_line(alert, across=True) for alert in report.handled)]
    return "\n".join(lines)


def reminder_blocks(overdue: Sequence[Alert]) -> list[Block]:
    head = MarkdownTextObject(text=f":alarm_clock: *{reminder_text(overdue)}*")
    return [SectionBlock(block_id="reminder.head", text=head),
            *listed_sections("reminder.open", [_open_line(alert) for alert in overdue])]


def reminder_text(overdue: Sequence[Alert]) -> str:
    return f"{counted(len(overdue), 'alert')} nobody has handled" if overdue else "Every alert has been handled"


def _head(digest: Digest) -> str:
    waited = format_duration(digest.older_than_seconds)
    if digest.unacknowledged:
        return f":rotating_light: *{counted(len(digest.unacknowledged), 'alert')} nobody has acknowledged* " \
               f"for over {waited}"
    return f":white_check_mark: *Nothing unacknowledged* for over {waited}"


def _handled_head(digest: Digest) -> str:
    return f"*Handled in the last 24h:* {len(digest.handled) or 'none'}"


def _open_line(alert: Alert, across: bool = False) -> str:
    where = f" · <{alert.link}|original>" if alert.link else ""
    seen = f" ×{alert.count}" if alert.count > 1 else ""
    return f"• {_channel(alert, across)}*{label(alert)}* {first_line(alert)}{seen} — since " \
           f"{slack_date(alert.first_seen)}{where}"


def _handled_line(alert: Alert, across: bool = False) -> str:
    handler = alert.handler
    how = f"{handler.how} by {actor(handler.user)} {slack_date(handler.at)}" if handler else "handled"
    return f"• :white_check_mark: {_channel(alert, across)}*{label(alert)}* {first_line(alert)} — {how}"


def _channel(alert: Alert, across: bool) -> str:
    return f"<#{alert.target_channel}> " if across else ""


def capped(lines: list[str], limit: int, more_of: str = "") -> list[str]:
    """At most `limit` lines, then `…and 12 more [<more_of>]` for the rest."""
    more = len(lines) - limit
    return lines[:limit] + ([f"…and {more} more{' ' + more_of if more_of else ''}"] if more > 0 else [])


def listed_sections(block_id: str, lines: list[str], limit: int = LISTED, more_of: str = "") -> list[Block]:
    """Lines in as few sections as Slack's section limit allows, at most `limit` lines, then a count of the
    rest (`…and 12 more`, or `…and 12 more <more_of>`)."""
    shown = capped(lines, limit, more_of)
    sections, current = [], ""
    for line in shown:
        if current and len(current) + len(line) + 1 > SECTION_LIMIT:
            sections.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append(current)
    return [SectionBlock(block_id=f"{block_id}.{n}", text=MarkdownTextObject(text=text))
            for n, text in enumerate(sections)]
