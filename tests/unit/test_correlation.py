"""Work about one alert or one page says so in every log line it writes (alert_id, page_id), and stops saying
so when it ends: scopes nest, an error keeps what it was about, and the domain opens them where the work is
about one alert or page - the intake, a page's steps, a reaction, a button, the subscribers of an event."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from klaxon import correlation
from klaxon.correlation import about
from klaxon.paging.policies import alert_page_id
from tests.desk import Desk
from tests.fakes import FakeSlack


class RecordedKeys:
    """Where correlation keys go, as a Logger would keep them."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}

    def append(self, **keys: str) -> None:
        self.keys.update(keys)

    def remove(self, names: Iterable[str]) -> None:
        for name in names:
            self.keys.pop(name, None)


@pytest.fixture
def logged() -> Iterator[RecordedKeys]:
    keys = RecordedKeys()
    correlation.keep_in(keys)
    yield keys
    correlation.keep_in(correlation._Nowhere())


def test_keys_hold_inside_the_scope_and_are_gone_after(logged):
    with about(alert_id="C0ALERTS/1.0"):
        assert logged.keys == {"alert_id": "C0ALERTS/1.0"} == correlation.current()
    assert logged.keys == {} == correlation.current()


def test_an_inner_scope_adds_its_keys_and_the_outer_ones_come_back_after(logged):
    with about(page_id="page:C0OPS/1.0"):
        with about(alert_id="C0ALERTS/1.0", page_id="page:C0ALERTS/1.0"):
            assert logged.keys == {"page_id": "page:C0ALERTS/1.0", "alert_id": "C0ALERTS/1.0"}
        assert logged.keys == {"page_id": "page:C0OPS/1.0"}
    assert logged.keys == {}


def test_an_error_inside_is_raised_with_a_note_of_what_it_was_about_and_the_keys_go(logged):
    with pytest.raises(ConnectionError) as raised, about(page_id="page:C0OPS/1.0"), about(alert_id="C0A/1.0"):
        raise ConnectionError("slack is down")

    assert raised.value.__notes__ == ["while working on page_id page:C0OPS/1.0, alert_id C0A/1.0"]
    assert logged.keys == {}


class WatchingSlack(FakeSlack):
    """Slack that notes the correlation keys in force when Klaxon posts an alert or direct-messages a person."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, str]]] = []

    def post_alert(self, alert):  # type: ignore[no-untyped-def]
        self.seen.append(("post", correlation.current()))
        return super().post_alert(alert)

    def page_person(self, user, channel, page, step):  # type: ignore[no-untyped-def]
        self.seen.append(("dm", correlation.current()))
        return super().page_person(user, channel, page, step)

    def update_alert(self, alert):  # type: ignore[no-untyped-def]
        self.seen.append(("update", correlation.current()))
        return super().update_alert(alert)

    def tell_page_acknowledged(self, page):  # type: ignore[no-untyped-def]
        self.seen.append(("stopped", correlation.current()))
        return super().tell_page_acknowledged(page)


def test_an_alert_is_posted_and_paged_about_itself_and_its_page(logged):
    desk = Desk()
    desk.slack = WatchingSlack()
    desk.klaxon("policy set db level @bob after 1m")
    desk.klaxon("rule add /disk full/ to #incidents policy db ack-timeout 1m")

    alert = desk.message("disk full on db-7")
    desk.clock.advance(minutes=1, seconds=1)
    desk.sweep()

    assert alert is not None
    page = alert_page_id(alert.id)
    assert desk.slack.seen == [("post", {"alert_id": alert.id}), ("dm", {"page_id": page, "alert_id": alert.id})]
    assert logged.keys == {}


def test_a_webhook_alert_and_what_its_subscribers_do_are_about_it(logged):
    desk = Desk()
    desk.slack = WatchingSlack()
    desk.klaxon("policy set db level @bob after 1m")
    desk.klaxon("settings source-policy gcp db ack-timeout 1m")
    (raised,) = desk.webhook(desk.event("gcp", "incident-1"))
    desk.clock.advance(minutes=1, seconds=1)
    desk.sweep()
    desk.slack.seen.clear()

    (resolved,) = desk.webhook(desk.event("gcp", "incident-1", firing=False))  # its page stops: a subscriber

    assert raised.alert is not None and resolved.alert is not None
    about_it = {"alert_id": raised.alert.id}
    its_page = about_it | {"page_id": alert_page_id(raised.alert.id)}
    assert desk.slack.seen == [("update", about_it), ("stopped", its_page)]
    assert logged.keys == {}
