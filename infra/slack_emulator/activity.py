"""What people and bots do in the workspace — post, edit, delete, react, pin — and what the app hears."""

from __future__ import annotations

import copy
from concurrent.futures import Future
from typing import Any

from .delivery import Deliverer
from .errors import ControlError
from .events import EventFeed, Outgoing
from .messages import Poster, app_bot, compose, legacy_bot, numbered, person, with_block_ids
from .records import Delivery, Outcome
from .state import Channel, WorkspaceState


class Activity:
    """People's actions; each waits for the app's answers to the events it caused."""

    def __init__(self, state: WorkspaceState, deliverer: Deliverer) -> None:
        self._state = state
        self._deliverer = deliverer
        self._feed = EventFeed(state)

    def post(self, channel: str, text: str = "", *, user: str | None = None, bot: str | None = None,
             as_app: bool = False, blocks: list[dict[str, Any]] | None = None,
             attachments: list[dict[str, Any]] | None = None, thread_ts: str | None = None,
             reply_broadcast: bool = False) -> Outcome:
        """A message from a user, or from a bot (legacy `bot_message`, or `as_app`)."""
        with self._state.lock:
            target = self.channel(channel)
            poster = self._poster(user, bot, as_app)
            if thread_ts and self._state.thread_root(target, thread_ts) is None:
                raise ControlError(f"no message {thread_ts} to reply to in {target.id}", 404)
            if poster.kind == "user" and poster.user_id not in target.members:
                # Posting in a public channel joins it, as in Slack.
                target.members.append(poster.user_id or "")
            message = compose(poster, text=text, blocks=blocks, attachments=attachments,
                              thread_ts=thread_ts, broadcast=reply_broadcast)
            self._state.store(target, message)
            pending = self._send(self._feed.message_posted(target, message))
        return _outcome(target.id, message["ts"], pending)

    def edit(self, channel: str, ts: str, text: str | None = None, *,
             blocks: list[dict[str, Any]] | None = None,
             attachments: list[dict[str, Any]] | None = None) -> Outcome:
        """The poster edits their message."""
        with self._state.lock:
            target, message = self._message(channel, ts)
            before = copy.deepcopy(message)
            if text is not None:
                message["text"] = text
            if blocks is not None:
                message["blocks"] = with_block_ids(blocks)
            if attachments is not None:
                message["attachments"] = numbered(attachments)
            message["edited"] = {"user": message.get("user") or message.get("bot_id"), "ts": self._state.clock.next()}
            pending = self._send(self._feed.message_changed(target, before, message))
        return _outcome(target.id, ts, pending)

    def unfurl(self, channel: str, ts: str, attachments: list[dict[str, Any]]) -> Outcome:
        """Slack previews a link in a message: unfurl attachments (`from_url`, `is_app_unfurl` …) are added
        and a `message_changed` is sent with no `edited` mark, since the author changed nothing."""
        with self._state.lock:
            target, message = self._message(channel, ts)
            before = copy.deepcopy(message)
            kept = message.get("attachments", [])
            message["attachments"] = kept + [{**copy.deepcopy(a), "id": len(kept) + n + 1}
                                             for n, a in enumerate(attachments)]
            pending = self._send(self._feed.message_changed(target, before, message))
        return _outcome(target.id, ts, pending)

    def delete(self, channel: str, ts: str) -> Outcome:
        """The poster deletes their message."""
        with self._state.lock:
            target, message = self._message(channel, ts)
            before = copy.deepcopy(message)
            self._state.remove(target, message)
            pending = self._send(self._feed.message_deleted(target, before))
        return _outcome(target.id, ts, pending)

    def react(self, user: str, channel: str, ts: str, name: str, *, added: bool = True) -> Outcome:
        """A user adds (or removes) an emoji reaction."""
        with self._state.lock:
            user_id = self.user(user)["id"]
            target, message = self._message(channel, ts)
            changed = (self._state.react if added else self._state.unreact)(message, user_id, name)
            if not changed:
                raise ControlError(f"{user} has {'already' if added else 'no'} :{name}: on {ts}", 409)
            pending = self._send(self._feed.reaction(target, message, user_id, name, added=added))
        return _outcome(target.id, ts, pending)

    def pin(self, user: str, channel: str, ts: str, *, added: bool = True) -> Outcome:
        """A user pins (or unpins) a message."""
        with self._state.lock:
            user_id = self.user(user)["id"]
            target, message = self._message(channel, ts)
            if added:
                changed = self._state.pin(target, message, user_id) is not None
            else:
                changed = self._state.unpin(target, message)
            if not changed:
                raise ControlError(f"{ts} is {'already' if added else 'not'} pinned", 409)
            pending = self._send(self._feed.pin(target, message, user_id, added=added))
        return _outcome(target.id, ts, pending)

    # Lookups shared with the other control handlers

    def channel(self, ref: str) -> Channel:
        """A conversation by id or name, or a user's DM with the app by user id or name."""
        channel = self._state.channel_by_ref(ref)
        if channel is None and (user := self._state.user_by_ref(ref)) is not None:
            channel = self._state.im_with(user["id"])
        if channel is None:
            raise ControlError(f"no channel {ref}", 404)
        return channel

    def user(self, ref: str) -> dict[str, Any]:
        user = self._state.user_by_ref(ref)
        if user is None:
            raise ControlError(f"no user {ref}", 404)
        return user

    def _poster(self, user: str | None, bot: str | None, as_app: bool) -> Poster:
        if (user is None) == (bot is None):
            raise ControlError("post as exactly one of user or bot")
        if user is not None:
            return person(self.user(user))
        found = self._state.bot_by_ref(bot or "")
        if found is None:
            raise ControlError(f"no bot {bot}", 404)
        return app_bot(found) if as_app else legacy_bot(found)

    def _message(self, channel: str, ts: str) -> tuple[Channel, dict[str, Any]]:
        target = self.channel(channel)
        message = target.find(ts)
        if message is None:
            raise ControlError(f"no message {ts} in {target.id}", 404)
        return target, message

    def _send(self, outgoing: list[Outgoing]) -> list[Future[Delivery]]:
        return [self._deliverer.submit(o) for o in outgoing]


def _outcome(channel: str, ts: str, pending: list[Future[Delivery]]) -> Outcome:
    return Outcome(channel=channel, ts=ts, deliveries=[future.result() for future in pending])
