"""Every Block Kit action id Klaxon puts on a button, and every callback id of its forms and shortcuts, in
one place (listeners match on these)."""

from enum import StrEnum


class ActionId(StrEnum):
    ACKNOWLEDGE_ALERT = "alert.acknowledge"
    RESOLVE_ALERT = "alert.resolve"
    OPEN_ORIGINAL = "alert.open_original"  # a link button: Slack still sends the click, which is acked
    DECLARE_FROM_ALERT = "alert.declare_incident"  # opens the declaring form, the alert filled in
    DECLARE_WITH_TEXT = "incident.declare_with_text"  # `/incident <a command's word> …` outside a comms channel
    ACKNOWLEDGE_PAGE = "page.acknowledge"  # in the direct message each paged person gets
    OPEN_PAGE_SOURCE = "page.open_source"  # a link button, like OPEN_ORIGINAL
    # The headline post's buttons (each carries the incident's id).
    OPEN_COMMS_CHANNEL = "incident.comms_channel"
    EDIT_INCIDENT = "incident.edit"
    CHANGE_STATUS = "incident.status"
    RESOLVE_INCIDENT = "incident.resolve"
    CLOSE_INCIDENT = "incident.close"
    OPEN_DOC = "incident.doc"  # a link button


class CallbackId(StrEnum):
    """Forms (modals) and shortcuts: what a view submission or a shortcut's payload names."""

    DECLARE = "incident.declare"
    EDIT = "incident.edit"
    STATUS = "incident.status"
    DECLARE_FROM_MESSAGE = "incident.declare_from_message"  # the "Declare incident" message shortcut
