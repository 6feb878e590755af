"""Racing workers post a recorded alert once, against DynamoDB's own atomicity (moto's server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from klaxon.alerts import posting
from klaxon.alerts.model import Alert, SlackMessageOrigin
from tests.fakes import FakeSlack

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_eight_workers_racing_to_post_one_alert_post_it_once(racing_store):
    alert = Alert(id="C0ALERTS/1.1", origin=SlackMessageOrigin("C0ALERTS", "1.1", "B0DATADOG"), text="disk full",
                  label="[Alert]", target_channel="C0INCIDENT", fingerprint="fp", first_seen=T0)
    recorded = racing_store.alerts.raise_alert(alert, T0 + timedelta(minutes=10), T0).alert
    later = T0 + timedelta(minutes=2)  # its raiser died: the lease it held has run out, anyone may post it
    slack = FakeSlack()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        posting.post_once(recorded, store=racing_store, slack=slack, publish=lambda _: None, now=later)

    workers = [threading.Thread(target=worker) for _ in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert len(slack.posts) == 1
    assert racing_store.alerts.get(alert.id).is_posted and racing_store.alerts.unposted(T0 + timedelta(hours=1)) == []
