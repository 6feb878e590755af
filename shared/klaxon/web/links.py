"""Signed, expiring links to incident pages (SPEC §4): only someone given a link by Klaxon can open a page.

Signing is itsdangerous's URL-safe serializer (HMAC-SHA256, with a key derived for this purpose from the
stack's link key in Secrets Manager): a token names what it opens and when it expires, and is refused once
expired or if any character of it changed. `SignedLinks` is how the rest of Klaxon asks for links
(klaxon.incidents.ports.DocLinks): every link Klaxon puts in Slack comes from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from itsdangerous import BadSignature, URLSafeSerializer

from klaxon.clock import Clock
from klaxon.incidents.model import Incident

DEFAULT_LIFETIME = timedelta(days=7)
_SALT = "klaxon.incident-link.v1"


class LinkRefused(Exception):
    """The link cannot open the page; `expired` says whether a fresh one would (vs a forged or broken one)."""

    def __init__(self, reason: str, *, expired: bool) -> None:
        super().__init__(reason)
        self.expired = expired


@dataclass(frozen=True)
class LinkSigner:
    """Makes and checks links; `key` is the stack's link key (bytes of a secret, never logged)."""

    key: bytes
    base_url: str
    lifetime: timedelta = DEFAULT_LIFETIME

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.key, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256})

    def doc_link(self, incident_id: str, now: datetime, until: datetime | None = None) -> str:
        """A link to one incident's doc page, valid for `lifetime` from `now` (and not past `until`)."""
        return self._link(f"/incidents/{quote(incident_id, safe='')}", {"incident": incident_id}, now, until)

    def list_link(self, now: datetime) -> str:
        """A link to the incident list page."""
        return self._link("/incidents", {"list": True}, now)

    def postmortem_link(self, incident_id: str, now: datetime, until: datetime | None = None) -> str:
        """A link to the incident's Markdown postmortem."""
        return self._link(f"/incidents/{quote(incident_id, safe='')}/postmortem.md", {"incident": incident_id},
                          now, until)

    def check(self, token: str, now: datetime) -> dict[str, Any]:
        """What a token opens (its claims: `exp` in epoch seconds, and `incident` or `list`); LinkRefused if it
        was not made by this key, was changed, or is too old."""
        try:
            claims = self._serializer().loads(token)
        except BadSignature as error:
            raise LinkRefused("the link is not one Klaxon made, or it was changed", expired=False) from error
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            raise LinkRefused("the link is not one Klaxon made", expired=False)
        if now.timestamp() >= claims["exp"]:
            raise LinkRefused("the link has expired", expired=True)
        return claims

    def opens_incident(self, token: str, incident_id: str, now: datetime) -> datetime:
        """When `token` expires, if it opens this incident's pages; LinkRefused otherwise."""
        claims = self.check(token, now)
        if claims.get("incident") != incident_id:
            raise LinkRefused("the link is for another page", expired=False)
        return _expiry(claims)

    def opens_list(self, token: str, now: datetime) -> datetime:
        """When `token` expires, if it opens the incident list; LinkRefused otherwise."""
        claims = self.check(token, now)
        if claims.get("list") is not True:
            raise LinkRefused("the link is for another page", expired=False)
        return _expiry(claims)

    def _link(self, path: str, claims: dict[str, Any], now: datetime, until: datetime | None = None) -> str:
        expires = min(now + self.lifetime, until) if until else now + self.lifetime
        token = self._serializer().dumps({**claims, "exp": int(expires.timestamp())})
        return f"{self.base_url.rstrip('/')}{path}?{urlencode({'t': token})}"


def _expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(claims["exp"], UTC)


@dataclass(frozen=True)
class SignedLinks:
    """The links Klaxon puts in Slack (klaxon.incidents.ports.DocLinks), each signed and expiring.

    `key` (the stack's link key) and `base_url` (where Klaxon is reached) are asked for each link - in AWS from
    Secrets Manager and SSM through Powertools' caches - so a new key or address takes effect within their
    max age. Without either there are no links (None), and Slack shows none.
    """

    key: Callable[[], bytes | None]
    base_url: Callable[[], str | None]
    clock: Clock
    lifetime: timedelta = DEFAULT_LIFETIME

    def signer(self) -> LinkSigner | None:
        """A signer with the current key and address, or None without either."""
        key, base_url = self.key(), self.base_url()
        return LinkSigner(key, base_url, self.lifetime) if key and base_url else None

    def doc_url(self, incident: Incident) -> str | None:
        signer = self.signer()
        return signer.doc_link(incident.id, self.clock.now()) if signer else None

    def list_url(self) -> str | None:
        signer = self.signer()
        return signer.list_link(self.clock.now()) if signer else None
