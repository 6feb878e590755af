"""Every Block Kit action id Klaxon puts on a button, in one place (listeners match on these)."""

from enum import StrEnum


class ActionId(StrEnum):
    ACKNOWLEDGE_ALERT = "alert.acknowledge"
    RESOLVE_ALERT = "alert.resolve"
    OPEN_ORIGINAL = "alert.open_original"  # a link button: Slack still sends the click, which is acked
    ACKNOWLEDGE_PAGE = "page.acknowledge"  # in the direct message each paged person gets
    OPEN_PAGE_SOURCE = "page.open_source"  # a link button, like OPEN_ORIGINAL
