"""The alert's post: Block Kit built with slack_sdk's models, cut to Slack's limits, notifying only its hotline."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from klaxon.alerts.gathering import truncate
from klaxon.alerts.model import SOURCE_ACTOR_PREFIX, Alert, AlertState, ExternalOrigin
from klaxon.slack.actions import ActionId
from klaxon.slack.mrkdwn import mention, quote, slack_date, unmentioned

SECTION_LIMIT = 3000  # Slack's limit for a section's (and a context element's) text
FALLBACK_LIMIT = 300  # notification text: a line, not the whole alert
CUT_NOTE = " (cut; the original has it all)"
LINE_LIMIT = 160

_STATE_BADGE = {AlertState.OPEN: ":rotating_light:", AlertState.ACKNOWLEDGED: ":eyes:",
                AlertState.RESOLVED: ":white_check_mark:"}


def alert_blocks(alert: Alert) -> list[Block]:
    """The alert's post: label and text, where it came from, its state, and what can be done.

    Nothing from the original notifies anyone (klaxon.slack.mrkdwn.unmentioned): only the hotline does.
    Each text is cut to Slack's limit after it is quoted, so no quoting can push it over.
    """
    summary = f"{_STATE_BADGE[alert.state]} *{label(alert)}*\n{quote(unmentioned(alert.text))}"
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
    headline = truncate(unmentioned(alert.headline), FALLBACK_LIMIT - len(hotline) - len(label(alert)) - 2)
    return f"{label(alert)} {headline} {hotline}".strip()


def label(alert: Alert) -> str:
    return alert.label or "[Alert]"


def _origin(alert: Alert) -> str:
    """Where it came from: the message (who posted it, where, a link), or the source (host, service, link)."""
    message = alert.message
    if message is not None:
        # Named, never mentioned: a mention of the poster would notify them on every repost.
        who = unmentioned(truncate(message.poster_name, LINE_LIMIT)) if message.poster_name else f"@{message.poster}"
        where = f"<{alert.link}|message in <#{message.channel}>>" if alert.link else f"message in <#{message.channel}>"
        line = f"{who} · {where} · {slack_date(alert.first_seen)}"
    else:
        assert isinstance(alert.origin, ExternalOrigin)
        line = f"{_source_line(alert.origin)} · {slack_date(alert.first_seen)}"
    if alert.count > 1:
        line += f" · *seen {alert.count} times*, last {slack_date(alert.seen_last)}"
    return line


def _source_line(origin: ExternalOrigin) -> str:
    """`*generic* · critical · host `api-3` · service `checkout` · team=payments · <link|details>`."""
    parts = [f"*{origin.source}*"]
    parts += [str(origin.severity)] if origin.severity else []
    parts += [f"host `{unmentioned(origin.host)}`"] if origin.host else []
    parts += [f"service `{unmentioned(origin.service)}`"] if origin.service else []
    labels = [f"{name}={value}" for name, value in sorted(origin.labels.items())]
    parts += [truncate(unmentioned(" ".join(labels)), LINE_LIMIT)] if labels else []
    parts += [f"<{origin.link}|details>"] if origin.link else []
    return " · ".join(parts)


def actor(who: str) -> str:
    """A person as a mention, or a monitoring source by name (webhook:generic → `generic`)."""
    return who.removeprefix(SOURCE_ACTOR_PREFIX) if who.startswith(SOURCE_ACTOR_PREFIX) else f"<@{who}>"


def _state_line(alert: Alert) -> str:
    if alert.state is AlertState.RESOLVED and alert.resolved_at and alert.resolved_by:
        return f"Resolved by {actor(alert.resolved_by)} {slack_date(alert.resolved_at)}"
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
        buttons.append(ButtonElement(text="Declare incident", action_id=ActionId.DECLARE_FROM_ALERT.value,
                                     value=alert.id))
    if alert.link:
        text = "Open original" if alert.message else f"Open in {_source(alert)}"
        buttons.append(ButtonElement(text=truncate(text, 75), action_id=ActionId.OPEN_ORIGINAL.value,
                                     url=alert.link))
    return buttons


def _source(alert: Alert) -> str:
    return alert.origin.source if isinstance(alert.origin, ExternalOrigin) else "Slack"


def first_line(alert: Alert) -> str:
    """The alert's headline, cut to a list's line, notifying nobody."""
    return truncate(unmentioned(alert.headline), LINE_LIMIT)
