"""The host board's domain: up and down from alerts, since when, flapping, and the board's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from klaxon.monitoring.hosts import MAX_FIRING_PER_HOST, Host, HostChange, apply, compose

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_host_is_down_while_any_of_its_alerts_fires() -> None:
    host = apply(None, HostChange("db-7", "gcp/1", True, at(0), "uptime check failing"))
    assert (host.is_up, host.since, host.latest_title) == (False, at(0), "uptime check failing")
    host = apply(host, HostChange("db-7", "am/2", True, at(1)))
    host = apply(host, HostChange("db-7", "gcp/1", False, at(2)))
    assert not host.is_up and host.since == at(0)  # still down: am/2 fires
    host = apply(host, HostChange("db-7", "am/2", False, at(3)))
    assert host.is_up and host.since == at(3) and host.last_change == at(3)


def test_a_repeat_of_the_same_firing_alert_does_not_move_since() -> None:
    host = apply(None, HostChange("web-1", "gcp/1", True, at(0)))
    again = apply(host, HostChange("web-1", "gcp/1", True, at(5)))
    assert (again.since, again.last_change, again.firing) == (at(0), at(5), ("gcp/1",))


def test_flapping_moves_since_at_every_flip_and_ends_where_the_last_event_leaves_it() -> None:
    host = None
    for minute in range(10):
        host = apply(host, HostChange("web-1", "gcp/1", minute % 2 == 0, at(minute)))
    assert host is not None and host.is_up and host.since == at(9)


def test_a_resolve_for_a_host_never_seen_makes_it_known_and_up() -> None:
    host = apply(None, HostChange("new-1", "gcp/1", False, at(0)))
    assert host.is_up and host.since == at(0)


def test_a_late_event_does_not_turn_last_change_back() -> None:
    host = apply(None, HostChange("db-7", "gcp/1", True, at(10)))
    host = apply(host, HostChange("db-7", "am/1", True, at(5)))
    assert host.last_change == at(10)


def test_a_host_remembers_a_bounded_number_of_firing_alerts() -> None:
    host = None
    for n in range(MAX_FIRING_PER_HOST + 20):
        host = apply(host, HostChange("busy", f"am/{n}", True, at(n)))
    assert host is not None and len(host.firing) == MAX_FIRING_PER_HOST and not host.is_up


def test_the_board_lists_down_hosts_longest_down_first_then_muted_then_counts_the_rest() -> None:
    recent = Host("web-2", since=at(30), last_change=at(30), firing=("a",))
    long_down = Host("db-7", since=at(0), last_change=at(40), firing=("b",))
    muted_down = Host("batch-1", since=at(5), last_change=at(5), firing=("c",))
    ups = [Host(f"ok-{n}", since=at(0), last_change=at(0)) for n in range(3)]
    board = compose([recent, *ups, muted_down, long_down], {"batch-1": at(120)})
    assert [h.name for h in board.down] == ["db-7", "web-2"]
    assert board.muted == ((muted_down, at(120)),)
    assert (board.up, board.total) == (3, 6)


def test_the_board_s_fingerprint_changes_with_what_it_shows_not_with_time() -> None:
    host = Host("db-7", since=at(0), last_change=at(0), firing=("a",))
    first = compose([host], {})
    assert compose([host], {}).fingerprint == first.fingerprint
    assert compose([Host("db-7", since=at(0), last_change=at(9), firing=("a",))], {}).fingerprint \
        == first.fingerprint  # a repeat changes nothing shown
    assert compose([host], {"db-7": at(60)}).fingerprint != first.fingerprint
    assert compose([apply(host, HostChange("db-7", "a", False, at(3)))], {}).fingerprint != first.fingerprint
