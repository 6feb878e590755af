"""What nobody has handled, as Slack shows it: a channel's digest (one message updated in place), the
reminder, and `/klaxon report` - one renderer, so the three always list an alert the same way."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from klaxon.alerts.digests import LISTED as DIGEST_LISTED
from klaxon.alerts.digests import Digest
from klaxon.alerts.model import Alert, AlertListing
from klaxon.commands.durations import format_duration
from klaxon.slack.mrkdwn import slack_date
from klaxon.slack.renderers.alerts import SECTION_LIMIT, actor, first_line, label
from klaxon.wording import counted

LISTED = DIGEST_LISTED  # alerts a digest or reminder lists before "…and N more" (Slack allows 50 blocks a message)
REPORT_LISTED = 20  # alerts /klaxon report lists per channel before "…and N more in #channel"


def digest_blocks(digest: Digest) -> list[Block]:
    """A channel's digest: what nobody has acknowledged, and (verbose) what was handled and by whom."""
    blocks: list[Block] = [SectionBlock(block_id="digest.head", text=MarkdownTextObject(text=_head(digest)))]
    blocks += listed_sections("digest.open", [_open_line(alert) for alert in digest.unacknowledged],
                              total=digest.open_total)
    if digest.verbose:
        blocks.append(SectionBlock(block_id="digest.handled_head", text=MarkdownTextObject(
            text=_handled_head(digest))))
        blocks += listed_sections("digest.handled", [_handled_line(alert) for alert in digest.handled],
                                  total=digest.handled_total)
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
    count = digest.open_total
    return f"{counted(count, 'alert')} nobody has acknowledged" if count else "Nothing unacknowledged"


def report_text(digests: Sequence[Digest], older_than_seconds: int, verbose: bool) -> str:
    """`/klaxon report`: each incidents channel's digest as its channel shows it - the same totals, the same
    oldest alerts first - each line naming its channel, at most REPORT_LISTED lines a channel and a count of
    the rest, under one head counting them all."""
    everything = Digest(channel="", unacknowledged=(), handled=(), older_than_seconds=older_than_seconds,
                        verbose=verbose, counted_open=sum(d.open_total for d in digests),
                        counted_handled=sum(d.handled_total for d in digests))
    lines = [_head(everything)]
    for digest in digests:
        lines += capped([_open_line(alert, across=True) for alert in digest.unacknowledged], REPORT_LISTED,
                        f"in <#{digest.channel}>", total=digest.open_total)
    if verbose:
        lines.append(_handled_head(everything))
        for digest in digests:
            lines += capped([_handled_line(alert, across=True) for alert in digest.handled], REPORT_LISTED,
                            f"handled in <#{digest.channel}>", total=digest.handled_total)
    return "\n".join(lines)


def reminder_blocks(overdue: AlertListing) -> list[Block]:
    head = MarkdownTextObject(text=f":alarm_clock: *{reminder_text(overdue)}*")
    return [SectionBlock(block_id="reminder.head", text=head),
            *listed_sections("reminder.open", [_open_line(alert) for alert in overdue.alerts], total=overdue.total)]


def reminder_text(overdue: AlertListing) -> str:
    total = max(overdue.total, len(overdue.alerts))
    return f"{counted(total, 'alert')} nobody has handled" if total else "Every alert has been handled"


def _head(digest: Digest) -> str:
    waited = format_duration(digest.older_than_seconds)
    if digest.open_total:
        return f":rotating_light: *{counted(digest.open_total, 'alert')} nobody has acknowledged* " \
               f"for over {waited}"
    return f":white_check_mark: *Nothing unacknowledged* for over {waited}"


def _handled_head(digest: Digest) -> str:
    return f"*Handled in the last 24h:* {digest.handled_total or 'none'}"


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


def capped(lines: list[str], limit: int, more_of: str = "", total: int | None = None) -> list[str]:
    """At most `limit` lines, then `…and 1212 more [<more_of>]` for the rest: of `total` when the lines are
    only the first of a longer list (counted, not listed), else of `lines`."""
    more = max(total or 0, len(lines)) - min(limit, len(lines))
    return lines[:limit] + ([f"…and {more} more{' ' + more_of if more_of else ''}"] if more > 0 else [])


def listed_sections(block_id: str, lines: list[str], limit: int = LISTED, more_of: str = "",
                    total: int | None = None) -> list[Block]:
    """Lines in as few sections as Slack's section limit allows, at most `limit` lines, then a count of the
    rest (`…and 12 more`, or `…and 12 more <more_of>`) - of `total` when the lines are the first of more."""
    shown = capped(lines, limit, more_of, total)
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
