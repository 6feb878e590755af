"""Where an incident's doc page is: a link for the headline, the comms channel's topic and bookmark, and
`@klaxon doc`.

Until the doc page (GET /incidents/{id}, SPEC §4) serves signed, expiring links, a link is the public
address Klaxon is reached at (PUBLIC_BASE_URL) and the incident's path; that page replaces this port's
implementation, nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from klaxon.incidents.model import Incident


@dataclass(frozen=True)
class PublicDocLinks:
    """`{base_url}/incidents/{id}`; no link at all when Klaxon has no public address (base_url None)."""

    base_url: str | None

    def doc_url(self, incident: Incident) -> str | None:
        if not self.base_url:
            return None
        return f"{self.base_url.rstrip('/')}/incidents/{quote(incident.id, safe='')}"
