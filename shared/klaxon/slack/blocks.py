"""Block Kit for Klaxon's posts, built with slack_sdk's models so Slack's limits are respected."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from klaxon.alerts import Alert, AlertState
from klaxon.commands.durations import format_duration
from klaxon.digests import Digest
from klaxon.escalation import Page, took
from klaxon.gathering import truncate
from klaxon.slack.actions import ActionId
from klaxon.slack.mrkdwn import mention, quote, slack_date, unmentioned
from klaxon.wording import counted

SECTION_LIMIT = 3000  # Slack's limit for a section's (and a context element's) text
FALLBACK_LIMIT = 300  # notification text: a line, not the whole alert
CUT_NOTE = " (cut; the original has it all)"
LISTED = 60  # alerts a digest or reminder lists before "…and N more" (Slack allows 50 blocks a message)
LINE_LIMIT = 160

_STATE_BADGE = {AlertState.OPEN: ":rotating_light:", AlertState.ACKNOWLEDGED: ":eyes:",
                AlertState.RESOLVED: ":white_check_mark:"}


def alert_blocks(alert: Alert) -> list[Block]:
    """The alert's post: label and text, where it came from, its state, and what can be done.

    Nothing from the original notifies anyone (klaxon.slack.mrkdwn.unmentioned): only the hotline does.
    Each text is cut to Slack's limit after it is quoted, so no quoting can push it over.
    """
    summary = f"{_STATE_BADGE[alert.state]} *{_label(alert)}*\n{quote(unmentioned(alert.text))}"
    blocks: list[Block] = [
        SectionBlock(block_id="alert.summary", text=MarkdownTextObject(
            text=truncate(summary, SECTION_LIMIT, CUT_NOTE))),
        ContextBlock(block_id="alert.origin", elements=[MarkdownTextObject(
            text=truncate(_origin(alert), SECTION_LIMIT))]),
        ContextBlock(block_id="alert.state", elements=[MarkdownTextObject(text=_state_line(alert))]),
    ]
    buttons = _buttons(alert)
    if buttons:
        blocks.append(ActionsBlock(block_id="alert.actions", elements=buttons))
    if alert.hotline:
        hotline = " ".join(mention(target) for target in alert.hotline)
        blocks.append(ContextBlock(block_id="alert.hotline", elements=[MarkdownTextObject(text=f"cc {hotline}")]))
    return blocks


def alert_fallback(alert: Alert) -> str:
    """The notification text: label, first line, and the hotline so mentions notify."""
    hotline = " ".join(mention(target) for target in alert.hotline)
    headline = truncate(unmentioned(alert.headline), FALLBACK_LIMIT - len(hotline) - len(_label(alert)) - 2)
    return f"{_label(alert)} {headline} {hotline}".strip()


def _label(alert: Alert) -> str:
    return alert.label or "[Alert]"


def _origin(alert: Alert) -> str:
    # Named, never mentioned: a mention of the poster would notify them on every repost.
    who = unmentioned(truncate(alert.poster_name, LINE_LIMIT)) if alert.poster_name else f"@{alert.poster}"
    where = f"<{alert.permalink}|message in <#{alert.source_channel}>>" if alert.permalink \
        else f"message in <#{alert.source_channel}>"
    line = f"{who} · {where} · {slack_date(alert.first_seen)}"
    if alert.count > 1:
        line += f" · *seen {alert.count} times*, last {slack_date(alert.seen_last)}"
    return line


def _state_line(alert: Alert) -> str:
    if alert.state is AlertState.RESOLVED and alert.resolved_at:
        return f"Resolved by <@{alert.resolved_by}> {slack_date(alert.resolved_at)}"
    acknowledged = alert.acknowledged_by
    if acknowledged:
        others = sorted({mark.user for mark in alert.marks} - {acknowledged.user})
        also = f" (also {', '.join(f'<@{u}>' for u in others)})" if others else ""
        return f"Acknowledged by <@{acknowledged.user}> {slack_date(acknowledged.at)}{also}"
    return "Nobody has acknowledged this yet"


def _buttons(alert: Alert) -> list[ButtonElement]:
    buttons = []
    if alert.state is AlertState.OPEN:
        buttons.append(ButtonElement(text="Acknowledge", action_id=ActionId.ACKNOWLEDGE_ALERT.value,
                                     value=alert.id, style="primary"))
    if alert.state is not AlertState.RESOLVED:
        buttons.append(ButtonElement(text="Resolve", action_id=ActionId.RESOLVE_ALERT.value, value=alert.id))
    if alert.permalink:
        buttons.append(ButtonElement(text="Open original", action_id=ActionId.OPEN_ORIGINAL.value,
                                     url=alert.permalink))
    return buttons


def digest_blocks(digest: Digest) -> list[Block]:
    """A channel's digest: what nobody has acknowledged, and (verbose) what was handled and by whom."""
    waited = format_duration(digest.older_than_seconds)
    if digest.unacknowledged:
        head = f":rotating_light: *{counted(len(digest.unacknowledged), 'alert')} nobody has acknowledged* " \
               f"for over {waited}"
    else:
        head = f":white_check_mark: *Nothing unacknowledged* for over {waited}"
    blocks: list[Block] = [SectionBlock(block_id="digest.head", text=MarkdownTextObject(text=head))]
    blocks += _listed("digest.open", [_open_line(alert) for alert in digest.unacknowledged])
    if digest.verbose:
        blocks.append(SectionBlock(block_id="digest.handled_head", text=MarkdownTextObject(
            text=f"*Handled in the last 24h:* {len(digest.handled) or 'none'}")))
        blocks += _listed("digest.handled", [_handled_line(alert) for alert in digest.handled])
    blocks.append(ContextBlock(block_id="digest.note", elements=[MarkdownTextObject(
        text="Acknowledge an alert with its button or a handled reaction; this list updates itself.")]))
    return blocks


def digest_fallback(digest: Digest) -> str:
    count = len(digest.unacknowledged)
    return f"{counted(count, 'alert')} nobody has acknowledged" if count else "Nothing unacknowledged"


def reminder_blocks(overdue: Sequence[Alert]) -> list[Block]:
    head = MarkdownTextObject(text=f":alarm_clock: *{reminder_text(overdue)}*")
    return [SectionBlock(block_id="reminder.head", text=head),
            *_listed("reminder.open", [_open_line(alert) for alert in overdue])]


def reminder_text(overdue: Sequence[Alert]) -> str:
    return f"{counted(len(overdue), 'alert')} nobody has handled" if overdue else "Every alert has been handled"


def _open_line(alert: Alert) -> str:
    where = f" · <{alert.permalink}|original>" if alert.permalink else ""
    seen = f" ×{alert.count}" if alert.count > 1 else ""
    return f"• *{_label(alert)}* {_first_line(alert)}{seen} — since {slack_date(alert.first_seen)}{where}"


def _handled_line(alert: Alert) -> str:
    handler = alert.handler
    how = f"{handler.how} by <@{handler.user}> {slack_date(handler.at)}" if handler else "handled"
    return f"• :white_check_mark: *{_label(alert)}* {_first_line(alert)} — {how}"


def _first_line(alert: Alert) -> str:
    return truncate(unmentioned(alert.headline), LINE_LIMIT)


def _listed(block_id: str, lines: list[str]) -> list[Block]:
    """Lines in as few sections as Slack's section limit allows, at most LISTED lines, then a count."""
    shown, more = lines[:LISTED], len(lines) - LISTED
    if more > 0:
        shown.append(f"…and {more} more")
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


def page_blocks(page: Page, step: int) -> list[Block]:
    """The direct message a paged person gets: what, where, which level, and an Acknowledge button."""
    levels = len(page.policy.levels)
    started = f" by <@{page.started_by}>" if page.started_by else ""
    blocks: list[Block] = [
        SectionBlock(block_id="page.summary", text=MarkdownTextObject(text=truncate(
            f":rotating_light: *You are being paged* from <#{page.channel}>\n{quote(unmentioned(page.summary))}",
            SECTION_LIMIT))),
        ContextBlock(block_id="page.where", elements=[MarkdownTextObject(
            text=f"Level {page.level_number(step)} of {levels} · policy `{page.policy.name}` · started{started} "
                 f"{slack_date(page.started_at)}")]),
    ]
    buttons = [ButtonElement(text="Acknowledge", action_id=ActionId.ACKNOWLEDGE_PAGE.value, value=page.id,
                             style="primary")]
    if page.link:
        buttons.append(ButtonElement(text="Open", action_id=ActionId.OPEN_PAGE_SOURCE.value, url=page.link))
    if page.is_active:
        blocks.append(ActionsBlock(block_id="page.actions", elements=buttons))
    else:
        blocks.append(ContextBlock(block_id="page.state", elements=[MarkdownTextObject(text=page_outcome(page))]))
    return blocks


def page_fallback(page: Page) -> str:
    return truncate(f"You are being paged: {unmentioned(page.summary)}", FALLBACK_LIMIT)


def page_outcome(page: Page) -> str:
    if page.acknowledged_by and page.acknowledged_at:
        return f":white_check_mark: Acknowledged by <@{page.acknowledged_by}> after " \
               f"{took(page.started_at, page.acknowledged_at)}"
    return "This page has ended."
