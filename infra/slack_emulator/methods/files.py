"""files.*: the upload flow newer than the 2021 spec (spec_supplement.py), as slack_sdk's files_upload_v2 uses it.

From docs.slack.dev/messaging/working-with-files#upload and the two methods' reference pages:
1. files.getUploadURLExternal(filename, length) answers an `upload_url` and a `file_id`;
2. the file's bytes are POSTed to that URL (the emulator serves it: `UPLOAD_PREFIX`);
3. files.completeUploadExternal(files=[{id, title}], channel_id, initial_comment, thread_ts) finishes it and
   shares the file where asked: a message with `files` (and the comment as its text) in the channel.
A file completed before its bytes arrived is `file_not_found`; bytes of another length than announced break
the contract (a violation).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from ..api_call import ApiCall, Handler, SlackError
from ..messages import app_bot, compose
from ..state import Upload

UPLOAD_PREFIX = "/upload/v1/"


def get_upload_url(call: ApiCall) -> dict[str, Any]:
    """files.getUploadURLExternal"""
    length = call.number("length", 0)
    if length <= 0:
        raise SlackError("invalid_arguments", violation="length must be the file's size in bytes, above 0")
    file_id = call.state.ids.next("F")
    call.state.uploads[file_id] = Upload(file_id=file_id, filename=call.text("filename") or "", length=length)
    return {"ok": True, "upload_url": f"{call.settings.web_url}{UPLOAD_PREFIX}{file_id}", "file_id": file_id}


def complete_upload(call: ApiCall) -> dict[str, Any]:
    """files.completeUploadExternal: the files, shared in `channel_id` when given."""
    wanted = call.structured("files")
    if not isinstance(wanted, list) or not wanted or not all(isinstance(f, dict) and f.get("id") for f in wanted):
        raise SlackError("invalid_arguments", violation="files must be a JSON list of {id, title}")
    uploads = [_uploaded(call, str(f["id"])) for f in wanted]
    channel = None
    if call.text("channel_id"):
        call.args.setdefault("channel", call.args.get("channel_id"))
        channel = call.conversation(writable=True)
    shared = [_file(call, upload, str(f.get("title") or upload.filename), channel.id if channel else None)
              for upload, f in zip(uploads, wanted, strict=True)]
    if channel is not None:
        message = compose(app_bot(call.state.klaxon), text=call.text("initial_comment"),
                          thread_ts=call.text("thread_ts"))
        message |= {"subtype": "file_share", "files": copy.deepcopy(shared), "upload": True}
        call.state.store(channel, message)
        call.outbox += call.feed.message_posted(channel, message)
    return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}


def _uploaded(call: ApiCall, file_id: str) -> Upload:
    upload = call.state.uploads.get(file_id)
    if upload is None or upload.data is None:
        raise SlackError("file_not_found")
    if len(upload.data) != upload.length:
        raise SlackError("invalid_arguments", violation=f"{file_id}: {len(upload.data)} bytes uploaded, "
                                                        f"{upload.length} announced to files.getUploadURLExternal")
    return upload


def _file(call: ApiCall, upload: Upload, title: str, channel: str | None) -> dict[str, Any]:
    """The file object Slack keeps (and the emulator's record of its content, for tests to read)."""
    assert upload.data is not None
    record = {"id": upload.file_id, "created": int(time.time()), "timestamp": int(time.time()),
              "name": upload.filename, "title": title, "mimetype": _mimetype(upload.filename),
              "filetype": upload.filename.rpartition(".")[2] or "text", "user": call.bot_user_id,
              "size": upload.length, "is_public": channel is not None and channel.startswith("C"),
              "channels": [channel] if channel else [], "url_private": f"{call.state.identity.team_url}files/"
              f"{call.bot_user_id}/{upload.file_id}/{upload.filename}"}
    call.state.files[upload.file_id] = {**record, "content": upload.data.decode("utf-8", errors="replace")}
    del call.state.uploads[upload.file_id]
    return record


def _mimetype(filename: str) -> str:
    return {"md": "text/markdown", "txt": "text/plain", "json": "application/json"}.get(
        filename.rpartition(".")[2].lower(), "application/octet-stream")


METHODS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
