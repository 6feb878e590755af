"""Signed, expiring links: only what Klaxon issued opens a page, and only until it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from klaxon.incidents.model import Incident
from klaxon.web.links import LinkRefused, LinkSigner, SignedLinks
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
SIGNER = LinkSigner(key=b"k" * 32, base_url="https://klaxon.example.com/", lifetime=timedelta(days=7))


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0]


def test_a_doc_link_opens_its_incident_until_it_expires() -> None:
    link = SIGNER.doc_link("inc-20261129-1", NOW)
    assert link.startswith("https://klaxon.example.com/incidents/inc-20261129-1?t=")
    SIGNER.opens_incident(token_of(link), "inc-20261129-1", NOW + timedelta(days=6, hours=23))
    with pytest.raises(LinkRefused) as refused:
        SIGNER.opens_incident(token_of(link), "inc-20261129-1", NOW + timedelta(days=7))
    assert refused.value.expired


def test_a_link_for_one_incident_does_not_open_another_or_the_list() -> None:
    token = token_of(SIGNER.doc_link("inc-1", NOW))
    with pytest.raises(LinkRefused, match="another page"):
        SIGNER.opens_incident(token, "inc-2", NOW)
    with pytest.raises(LinkRefused, match="another page"):
        SIGNER.opens_list(token, NOW)
    SIGNER.opens_list(token_of(SIGNER.list_link(NOW)), NOW)


@pytest.mark.parametrize("change", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
                                    lambda t: t.replace(".", "", 1), lambda t: "x" + t, lambda t: "",
                                    lambda t: t.split(".")[0]])
def test_a_changed_token_is_refused_as_not_klaxon_s(change: object) -> None:
    token = token_of(SIGNER.doc_link("inc-1", NOW))
    with pytest.raises(LinkRefused) as refused:
        SIGNER.opens_incident(change(token), "inc-1", NOW)  # type: ignore[operator]
    assert not refused.value.expired


def test_a_token_signed_with_another_key_is_refused() -> None:
    other = LinkSigner(key=b"o" * 32, base_url="https://klaxon.example.com")
    with pytest.raises(LinkRefused, match="not one Klaxon made"):
        SIGNER.opens_incident(token_of(other.doc_link("inc-1", NOW)), "inc-1", NOW)


def test_ids_are_quoted_in_the_path() -> None:
    assert "/incidents/inc%2F..%2Fx?" in SIGNER.doc_link("inc/../x", NOW)


def test_a_link_expires_when_its_lifetime_ends_or_earlier_when_asked() -> None:
    token = token_of(SIGNER.doc_link("inc-1", NOW))
    assert SIGNER.opens_incident(token, "inc-1", NOW) == NOW + timedelta(days=7)
    capped = token_of(SIGNER.doc_link("inc-1", NOW, until=NOW + timedelta(hours=1)))
    assert SIGNER.opens_incident(capped, "inc-1", NOW) == NOW + timedelta(hours=1)
    assert SIGNER.opens_list(token_of(SIGNER.list_link(NOW)), NOW) == NOW + timedelta(days=7)
    postmortem = SIGNER.postmortem_link("inc-1", NOW, until=NOW + timedelta(days=30))
    assert postmortem.startswith("https://klaxon.example.com/incidents/inc-1/postmortem.md?t=")
    assert SIGNER.opens_incident(token_of(postmortem), "inc-1", NOW) == NOW + timedelta(days=7)


def test_signed_links_need_a_key_and_an_address_asked_afresh_for_each_link() -> None:
    clock = FakeClock(NOW)
    keys: list[bytes | None] = [None, b"k" * 32]
    addresses = ["https://a.example", "https://b.example"]
    links = SignedLinks(key=lambda: keys[-1], base_url=lambda: addresses[-1], clock=clock)
    incident = Incident(id="inc-1", summary="x", severity=None, reporter="U1", lead=None, declared_at=NOW)
    link = links.doc_url(incident)
    assert link is not None and link.startswith("https://b.example/incidents/inc-1?t=")
    signer_b = LinkSigner(b"k" * 32, "https://b.example")
    assert signer_b.opens_incident(token_of(link), "inc-1", NOW) == NOW + timedelta(days=7)
    addresses.append("https://moved.example")
    assert str(links.list_url()).startswith("https://moved.example/incidents?t=")
    keys.append(None)
    assert links.doc_url(incident) is None and links.list_url() is None and links.signer() is None
