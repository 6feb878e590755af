"""Work someone asked for - a command, a button, a form, a shortcut, a mention - done once per delivery, and
whatever stops it told to that person once, in words they can act on (klaxon.slack.trouble).

A failure only people can fix (a missing scope, a channel Klaxon is not in) is told and the work ends
there: retrying would fail the same way. A failure that may pass (Slack or DynamoDB busy, a bug) is told
too, then raised, so Lambda retries it and dead-letters what keeps failing; its retries do not tell the
person again (a claim per delivery). Commands are all or nothing by construction (every lookup happens
before the one conditional commit), so "nothing was changed" is true when a command is told it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from klaxon.slack.door import Unusable
from klaxon.slack.lazy import delivery_id, lazy_work
from klaxon.slack.telling import Tell
from klaxon.slack.trouble import explain

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)


@contextmanager
def errand(services: Callable[[], Services], body: Mapping[str, Any], what: str | Callable[[], str], tell: Tell, *,
           nothing_changed: bool = False) -> Iterator[Services | None]:
    """Around the lazy work of a request someone made: the delivery's services, or None for a repeat.

    `what` names the request for the person ("`/klaxon policy set`"; a function when the work finds out what
    was asked); `tell` reaches them (klaxon.slack.telling).
    """
    with lazy_work(services, body) as work:
        try:
            yield work
        except Unusable:
            raise
        except Exception as error:
            if work is None:
                raise
            reference = delivery_id(body)
            trouble = explain(error, reference)
            asked = what() if callable(what) else what
            _tell_once(work, reference, tell, trouble.told(asked, nothing_changed=nothing_changed))
            if trouble.retry:
                raise
            logger.error("work stopped; the person who asked was told why", extra={
                "what": what, "why": trouble.why, "error": repr(error)})


def _tell_once(work: Services, reference: str | None, tell: Tell, text: str) -> None:
    """Tell, unless an earlier attempt at the same delivery did (Lambda's retries run the work again)."""
    told = f"told:{reference}"
    try:
        if reference and not work.store.claims.claim(told, work.clock.now()):
            return
        tell(text)
    except Exception:  # telling must never hide the failure being told about
        logger.exception("could not tell the person who asked", extra={"text": text})
        return
    if reference:
        work.store.claims.complete(told, work.clock.now())
