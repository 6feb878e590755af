"""Paging as Slack shows it: the direct message each paged person gets, and the notes in the page's thread."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from klaxon.alerts.gathering import truncate
from klaxon.alerts.model import SOURCE_ACTOR_PREFIX, Alert
from klaxon.paging.policies import LevelReached, NoPage, Page, took
from klaxon.slack.actions import ActionId
from klaxon.slack.mrkdwn import quote, slack_date, unmentioned
from klaxon.slack.renderers.alerts import FALLBACK_LIMIT, SECTION_LIMIT, actor

DEFAULT_DM_REPLY = ("I page people from channels, not from direct messages: mention me in your team's "
                    "channel with what is wrong, such as `@klaxon db-1 is down`.")
_NO_PAGE = {
    NoPage.NOTHING_SAID: "Mention me with what is wrong and I page this channel's on-call, for example "
                         "`@klaxon db-1 is down`.",
    NoPage.NOT_HERE: "Mentions of me don't page from this channel; an admin chooses where they do with "
                     "`/klaxon settings paging-channels`.",
    NoPage.NO_POLICY: "Nobody to page: this channel has no escalation policy. An admin can set one with "
                      "`/klaxon policy use NAME in <#{channel}>`.",
}


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


# Why Slack would not let Klaxon message someone, by its error code, in words the policy's owner can act on.
_REFUSED = {"user_disabled": "their account is deactivated", "is_archived": "their account is deactivated",
            "user_not_found": "not in this workspace", "user_not_visible": "Klaxon may not see them",
            "cannot_dm_bot": "a bot, which cannot get direct messages"}


def paging_note(page: Page, step: int, reached: LevelReached) -> str:
    """In the page's thread: whom a step notified, which level of how many, and the policy - and whom Slack
    would not let Klaxon message, so the policy gets fixed before the next page."""
    empty = "" if reached.refused else " (the level's groups are empty)"
    whom = ", ".join(f"<@{person}>" for person in reached.paged) or f"nobody{empty}"
    levels = len(page.policy.levels)
    round_of = f", round {step // levels + 1} of {page.policy.repeat + 1}" if page.policy.repeat else ""
    note = f":rotating_light: Paging {whom} (level {page.level_number(step)} of {levels}{round_of}, " \
           f"policy `{page.policy.name}`)."
    if reached.refused:
        why = "; ".join(f"<@{person}>: {_REFUSED.get(code, code)}" for person, code in reached.refused)
        note += f"\n:warning: Slack would not let Klaxon message {why}. The policy needs them replaced " \
                f"(`/klaxon policy show {page.policy.name}`)."
    return note


def acknowledged_note(page: Page) -> str:
    """In the page's thread: who stopped it (a person, or the alert's source resolving it), after how long."""
    assert page.acknowledged_by and page.acknowledged_at, "an acknowledged page"
    after = took(page.started_at, page.acknowledged_at)
    if page.acknowledged_by.startswith(SOURCE_ACTOR_PREFIX):  # its monitoring source resolved the alert
        return f":white_check_mark: {actor(page.acknowledged_by)} resolved the alert after {after}; " \
               "escalation stopped."
    return f":white_check_mark: <@{page.acknowledged_by}> acknowledged after {after}; escalation stopped."


def dropped_note(page: Page) -> str:
    """In the page's thread: every level (and round) was notified, and nobody acknowledged."""
    return f":no_bell: Nobody acknowledged after every level of `{page.policy.name}`" \
           f"{f' ({page.policy.repeat + 1} rounds)' if page.policy.repeat else ''}; the page is dropped."


def no_page_note(channel: str, why: NoPage) -> str:
    """In a mention's thread: why it paged nobody."""
    return _NO_PAGE[why].format(channel=channel)


def policy_missing_note(alert: Alert) -> str:
    """In an alert's thread: its ack timeout ran out, but its rule's policy is gone."""
    return f":warning: Nobody acknowledged this, but its policy `{alert.policy}` no longer exists, so nobody " \
           "was paged."


def page_silenced_note(alert: Alert, silence_id: str) -> str:
    """In an alert's thread: its ack timeout ran out while a silence (or a host mute) covered it."""
    return f":no_bell: Nobody acknowledged this, but silence `{silence_id}` covers it now, so nobody was paged " \
           f"(`/klaxon silence list`)."


def direct_message_reply(reply: str | None) -> str:
    """What Klaxon answers a direct message: the workspace's reply (`settings dm-reply`), else why it cannot page."""
    return reply or DEFAULT_DM_REPLY
