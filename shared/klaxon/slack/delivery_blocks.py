"""Block Kit for what Klaxon could not deliver: the channels it cannot post in, named in the other digests."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from klaxon.digests import Digest
from klaxon.wording import counted


def unreachable_blocks(digest: Digest) -> list[Block]:
    """One section naming each channel Klaxon cannot post in, its reason, the alerts waiting, what to do."""
    if not digest.unreachable:
        return []
    lines = [f"• <#{u.channel}> (`{u.reason}`): {counted(u.waiting, 'alert')} waiting" for u in digest.unreachable]
    text = (":warning: *Klaxon cannot post in these incidents channels.* Invite it there with "
            "`/invite @klaxon`; the alerts waiting are posted within a minute.\n" + "\n".join(lines))
    return [SectionBlock(block_id="digest.unreachable", text=MarkdownTextObject(text=text[:3000]))]
