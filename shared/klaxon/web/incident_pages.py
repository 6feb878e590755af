"""GET /incidents/{id} (the doc), /incidents/{id}/postmortem.md and /incidents (the list), behind signed links.

Every page opens only with the token (`?t=`) of a link Klaxon gave in Slack (klaxon.web.links): the token
is checked before anything is read, so a refused link learns nothing, not even whether the incident exists.
A tampered or expired link gets 403 and a page saying how to get a fresh one; an unknown incident 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from markupsafe import Markup

from klaxon.incidents.doc import IncidentDoc
from klaxon.incidents.durations import spoken
from klaxon.incidents.history import History, HistoryQuery
from klaxon.incidents.postmortem import postmortem
from klaxon.markup import Names
from klaxon.web.links import LinkRefused, LinkSigner
from klaxon.web.pages import Page, Places, doc_page, list_page, markdown_headers, refused_page

PAGES = "klaxon.incident_pages"  # the resolver context key the entry point sets for each request
LIST_SPAN = timedelta(days=90)  # the list page: what the MTTA/MTTR windows cover
FRESH_LINK = Markup("For a fresh link, ask <code>@klaxon doc</code> in the incident's comms channel, or run "
                    "<code>/incident list</code> anywhere in Slack for the list.")

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated


@dataclass(frozen=True)
class PageWork:
    """What the incident pages work with, for one request."""

    signer: Callable[[], LinkSigner | None]  # None: this Klaxon has no link key or address, so no page opens
    read_doc: Callable[[str], IncidentDoc | None]
    history: Callable[[HistoryQuery], History]
    names: Names
    slack_url: Callable[[], str | None]  # the workspace's address (auth.test), for links back to Slack
    now: Callable[[], datetime]


@router.get("/incidents/<incident_id>")
def doc(incident_id: str) -> Response[str]:
    work = _work()
    now = work.now()
    signer, expires = _opened(lambda s, token: s.opens_incident(token, incident_id, now))
    found = work.read_doc(incident_id)
    if found is None:
        return _served(_unknown(incident_id))
    places = Places(slack_url=work.slack_url(), postmortem_url=signer.postmortem_link(incident_id, now, expires))
    return _served(doc_page(found, names=work.names, now=now, places=places))


@router.get("/incidents/<incident_id>/postmortem.md")
def postmortem_file(incident_id: str) -> Response[str]:
    work = _work()
    now = work.now()
    _opened(lambda s, token: s.opens_incident(token, incident_id, now))
    found = work.read_doc(incident_id)
    if found is None:
        return _served(_unknown(incident_id))
    text = postmortem(found.record.incident, found.record.timeline, work.names, now)
    return Response(status_code=HTTPStatus.OK, content_type="text/markdown; charset=utf-8", body=text,
                    headers=markdown_headers(f"postmortem-{found.record.incident.id}.md"))


@router.get("/incidents")
def incident_list() -> Response[str]:
    work = _work()
    now = work.now()
    signer, expires = _opened(lambda s, token: s.opens_list(token, now))
    shown = work.history(HistoryQuery(span=LIST_SPAN))
    doc_urls = {i.id: signer.doc_link(i.id, now, expires) for i in shown.incidents if not i.private}
    return _served(list_page(shown, names=work.names, places=Places(slack_url=work.slack_url(), doc_urls=doc_urls)))


class PageRefused(Exception):
    """A page not shown: the page that says why (registered with the resolver in klaxon.web)."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.status)
        self.page = page


def refused(problem: PageRefused) -> Response[str]:
    """The resolver's answer to PageRefused."""
    return _served(problem.page)


def _work() -> PageWork:
    work: PageWork = router.context[PAGES]
    return work


def _opened(check: Callable[[LinkSigner, str], datetime]) -> tuple[LinkSigner, datetime]:
    """The signer and the link's expiry once the request's token passes `check`; PageRefused otherwise."""
    signer = _work().signer()
    token = router.current_event.get_query_string_value("t") or ""
    if signer is None:
        raise PageRefused(refused_page(HTTPStatus.FORBIDDEN, "Incident pages are not set up",
                                       Markup("This Klaxon has no link key or public address, so it gives no links "
                                              "and opens no pages. Its administrator sets them at deploy.")))
    if not token:
        raise PageRefused(refused_page(HTTPStatus.FORBIDDEN, "This page opens from a link Klaxon gives",
                                       Markup("Incident pages open only from the signed links Klaxon posts in "
                                              "Slack. ") + FRESH_LINK))
    try:
        return signer, check(signer, token)
    except LinkRefused as refusal:
        if refusal.expired:
            raise PageRefused(refused_page(HTTPStatus.FORBIDDEN, "This link has expired",
                                           Markup("Links to incident pages last {}, so that one copied out of "
                                                  "Slack does not open them forever. ").format(spoken(signer.lifetime))
                                           + FRESH_LINK)) from None
        raise PageRefused(refused_page(HTTPStatus.FORBIDDEN, "This link is not valid",
                                       Markup("It was changed on the way, or it is not one this Klaxon made. ")
                                       + FRESH_LINK)) from None


def _unknown(incident_id: str) -> Page:
    return refused_page(HTTPStatus.NOT_FOUND, "No such incident",
                        Markup("This Klaxon has no incident <code>{}</code>. ").format(incident_id[:40]) + FRESH_LINK)


def _served(page: Page) -> Response[str]:
    return Response(status_code=page.status, content_type=page.headers["Content-Type"], body=page.html,
                    headers=page.headers)
