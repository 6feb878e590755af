"""Signed, expiring links to incident pages (SPEC §4): only someone given a link by Klaxon can open a page.

Signing is itsdangerous's URL-safe serializer (HMAC-SHA256, with a key derived for this purpose from the
stack's link key in Secrets Manager): a token names what it opens and when it expires, and is refused once
expired or if any character of it changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from itsdangerous import BadSignature, URLSafeSerializer

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

    def doc_link(self, incident_id: str, now: datetime) -> str:
        """A link to one incident's doc page, valid for `lifetime` from `now`."""
        return self._link(f"/incidents/{quote(incident_id, safe='')}", {"incident": incident_id}, now)

    def list_link(self, now: datetime) -> str:
        """A link to the incident list page."""
        return self._link("/incidents", {"list": True}, now)

    def postmortem_link(self, incident_id: str, now: datetime) -> str:
        """A link to the incident's Markdown postmortem."""
        return self._link(f"/incidents/{quote(incident_id, safe='')}/postmortem.md", {"incident": incident_id},
                          now)

    def check(self, token: str, now: datetime) -> dict[str, Any]:
        """What a token opens; LinkRefused if it was not made by this key, was changed, or is too old."""
        try:
            claims = self._serializer().loads(token)
        except BadSignature as error:
            raise LinkRefused("the link is not one Klaxon made, or it was changed", expired=False) from error
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            raise LinkRefused("the link is not one Klaxon made", expired=False)
        if now.timestamp() >= claims["exp"]:
            raise LinkRefused("the link has expired", expired=True)
        return claims

    def opens_incident(self, token: str, incident_id: str, now: datetime) -> None:
        """LinkRefused unless `token` opens this incident's pages."""
        if self.check(token, now).get("incident") != incident_id:
            raise LinkRefused("the link is for another page", expired=False)

    def opens_list(self, token: str, now: datetime) -> None:
        if self.check(token, now).get("list") is not True:
            raise LinkRefused("the link is for another page", expired=False)

    def _link(self, path: str, claims: dict[str, Any], now: datetime) -> str:
        token = self._serializer().dumps({**claims, "exp": int((now + self.lifetime).timestamp())})
        return f"{self.base_url.rstrip('/')}{path}?{urlencode({'t': token})}"
