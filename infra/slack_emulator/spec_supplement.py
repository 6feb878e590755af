"""Web API methods newer than the published spec the emulator checks calls against (its copy is frozen in
2021), with the arguments each requires - taken from each method's page of Slack's reference:

    bookmarks.add                   https://docs.slack.dev/reference/methods/bookmarks.add
    bookmarks.edit                  https://docs.slack.dev/reference/methods/bookmarks.edit
    bookmarks.list                  https://docs.slack.dev/reference/methods/bookmarks.list
    bookmarks.remove                https://docs.slack.dev/reference/methods/bookmarks.remove
    files.getUploadURLExternal      https://docs.slack.dev/reference/methods/files.getUploadURLExternal
    files.completeUploadExternal    https://docs.slack.dev/reference/methods/files.completeUploadExternal

(`token` is required by every method and satisfied by the bearer header, as in the spec's own check.)
The spec check merges these in; a method in neither is still answered `unknown_method`.
"""

from __future__ import annotations

NEWER_METHODS: dict[str, frozenset[str]] = {
    "bookmarks.add": frozenset({"channel_id", "title", "type"}),
    "bookmarks.edit": frozenset({"bookmark_id", "channel_id"}),
    "bookmarks.list": frozenset({"channel_id"}),
    "bookmarks.remove": frozenset({"bookmark_id", "channel_id"}),
    "files.getUploadURLExternal": frozenset({"filename", "length"}),
    "files.completeUploadExternal": frozenset({"files"}),
}
