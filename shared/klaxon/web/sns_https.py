"""Reaching Amazon SNS over https for the cloudwatch source: its signing certificates (klaxon.monitoring.sns's
Certificates port, cached per container by URL) and subscription confirmations (its Subscriptions port).

Only URLs the domain's checks accept are fetched (they are checked again here), with a short timeout, no
redirects, and a cap on what is read. SNS sends a few certificate URLs over a container's life, so the cache
is small and never expires within it (a rotated certificate has a new URL).

The local cloud has no SNS: when SNS_LOCAL_MIRROR names a loopback URL (the local cloud sets it to its own
`/_local/sns/`; Settings refuses anything that is not loopback), a checked SNS URL is fetched from the mirror
instead - `certificates/<SimpleNotificationService-….pem>` for a certificate, `confirm?<query>` for a
confirmation. The check of the URL SNS sent is unchanged: a forged message's certificate URL is refused
before the mirror is ever asked.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from klaxon.monitoring.sns import Unavailable, check_certificate_url

TIMEOUT_SECONDS = 3.0  # SNS waits 15 s for an answer; a fetch must leave time for the rest
MAX_CERTIFICATE_BYTES = 16 * 1024  # SNS's certificates are about 2 KB
MAX_CONFIRMATION_BYTES = 64 * 1024
CACHED_CERTIFICATES = 32
USER_AGENT = "Klaxon (SNS HTTP subscriber)"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is refused: SNS's URLs answer themselves, and a redirect could lead anywhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class SnsOverHttps:
    """Certificates and confirmations from SNS (or the local cloud's mirror of it)."""

    def __init__(self, mirror: str | None = None, opener: Callable[..., Any] | None = None) -> None:
        self._mirror = mirror
        self._open = opener or urllib.request.build_opener(_NoRedirects).open
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def pem(self, url: str) -> bytes:
        """The certificate at a URL check_certificate_url accepts, from the container's cache when it has it."""
        check_certificate_url(url)  # again: this adapter never fetches a certificate from anywhere else
        with self._lock:
            if url in self._cache:
                self._cache.move_to_end(url)
                return self._cache[url]
        pem = self._get(self._mirrored(url, "certificates" + urlsplit(url).path), MAX_CERTIFICATE_BYTES)
        with self._lock:
            self._cache[url] = pem
            while len(self._cache) > CACHED_CERTIFICATES:
                self._cache.popitem(last=False)
        return pem

    def confirm(self, url: str) -> None:
        """Visit a SubscribeURL klaxon.monitoring.sns.subscribe_url accepted."""
        self._get(self._mirrored(url, "confirm?" + urlsplit(url).query), MAX_CONFIRMATION_BYTES)

    def _mirrored(self, url: str, local_path: str) -> str:
        return self._mirror + local_path.lstrip("/") if self._mirror else url

    def _get(self, url: str, limit: int) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with self._open(request, timeout=TIMEOUT_SECONDS) as response:
                body: bytes = response.read(limit + 1)
        except (urllib.error.URLError, OSError) as error:
            raise Unavailable(f"could not fetch {urlsplit(url).netloc}{urlsplit(url).path}: {error}") from error
        if len(body) > limit:
            raise Unavailable(f"{urlsplit(url).path} is larger than {limit} bytes")
        return body
