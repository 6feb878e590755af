"""The host board on the fakes, driven as the functions drive it: webhook requests move hosts up and down, the
sweep keeps one board message per board channel redrawn in place every few minutes, `/klaxon hosts` shows it
now, and a mute - a silence of one host - keeps the host's alerts quiet until it is unmuted or runs out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klaxon.alerts.lifecycle import Change
from klaxon.monitoring.hosts import Host, compose
from klaxon.slack.renderers.hosts import DOWN_LISTED, board_blocks, board_fallback, board_text
from tests.desk import ADMIN, GUEST, HOSTS, T0, Desk


@pytest.fixture
def desk() -> Desk:
    desk = Desk()
    assert desk.klaxon("settings host-board #hosts").ok
    return desk


def down(desk: Desk, host: str = "db-7", key: str = "uptime-db-7", source: str = "gcp"):
    return desk.webhook(desk.event(source, key, host=host, title=f"{host} uptime check failing"))


def up(desk: Desk, host: str = "db-7", key: str = "uptime-db-7", source: str = "gcp"):
    return desk.webhook(desk.event(source, key, host=host, firing=False, title=f"{host} uptime check passing"))


def board(desk: Desk):
    (channel, shown) = desk.slack.boards[-1]
    assert channel == HOSTS
    return shown


# ------------------------------------------------------------------------------------------------ up and down
def test_a_host_is_down_while_any_of_its_alerts_fires_from_any_source(desk):
    down(desk)
    desk.clock.advance(minutes=1)
    desk.webhook(desk.event("alertmanager", "f-1", host="db-7", title="DiskFull"))
    desk.clock.advance(minutes=1)
    up(desk)
    (host,) = desk.store.hosts.all()
    assert not host.is_up and host.since == T0 and host.last_change == T0 + timedelta(minutes=2)
    desk.webhook(desk.event("alertmanager", "f-1", host="db-7", firing=False))
    (host,) = desk.store.hosts.all()
    assert host.is_up and host.since == T0 + timedelta(minutes=2)


def test_an_event_the_intake_found_stale_or_a_rule_suppressed_moves_no_host(desk):
    desk.klaxon("rule add /maintenance/ to #incidents suppress from webhook:gcp")
    down(desk)
    up(desk)
    desk.clock.advance(minutes=-5)
    (late,) = down(desk)  # fired before the resolve: delivered late
    assert late.change is Change.STALE and desk.store.hosts.all()[0].is_up
    (suppressed,) = desk.webhook(desk.event("gcp", "m-1", host="web-1", title="maintenance window"))
    assert suppressed.change is None and [h.name for h in desk.store.hosts.all()] == ["db-7"]


# ------------------------------------------------------------------------------------------------ the board message
def test_the_sweep_posts_the_board_once_and_redraws_it_in_place_only_when_it_changes_every_few_minutes(desk):
    down(desk, "db-7", "k1")
    down(desk, "web-1", "k2")
    up(desk, "api-3", "k3")
    desk.sweep()
    first = board(desk)
    assert [h.name for h in first.down] == ["db-7", "web-1"] and first.up == 1
    assert len(desk.slack.boards) == 1 and desk.slack.calls == []

    desk.clock.advance(minutes=1)
    up(desk, "web-1", "k2")
    desk.sweep()
    assert len(desk.slack.boards) == 1, "not due yet: every 5 minutes by default"
    desk.clock.advance(minutes=4)
    desk.sweep()
    assert [h.name for h in board(desk).down] == ["db-7"] and board(desk).up == 2
    assert desk.slack.calls == [("update_board", "1800000400.000001")], "redrawn in place"

    desk.clock.advance(minutes=5)
    desk.sweep()
    assert len(desk.slack.boards) == 2, "nothing changed: not redrawn"


def test_a_sweep_that_read_the_boards_before_an_overlapping_one_drew_does_not_redraw_early(desk, monkeypatch):
    down(desk)
    desk.sweep()
    read_before_it_was_drawn = {}  # what a slower sweep, started a moment earlier, read: no board drawn yet
    desk.clock.advance(seconds=1)
    up(desk)
    monkeypatch.setattr(desk.store.boards, "all", lambda: read_before_it_was_drawn)
    desk.sweep()
    assert len(desk.slack.boards) == 1, "drawn a second ago: not due again for five minutes"

    monkeypatch.undo()
    desk.clock.advance(minutes=4, seconds=59)
    desk.sweep()
    assert len(desk.slack.boards) == 2 and board(desk).up == 1, "redrawn when due"


def test_a_board_channel_klaxon_cannot_post_in_is_told_to_the_admins_and_the_sweep_goes_on(desk):
    desk.slack.closed_channels = {HOSTS}
    down(desk)
    report = desk.sweep()
    assert desk.slack.boards == [] and not report.failed
    (note,) = [entry for entry in desk.store.configuration.entries if entry.action == "cannot post"]
    assert f"<#{HOSTS}>" in note.summary and "/invite @klaxon" in note.summary


def test_each_board_channel_keeps_its_own_message_at_the_chosen_cadence(desk):
    desk.klaxon("settings host-board #hosts #monitoring")
    desk.klaxon("settings host-board-every 1m")
    down(desk)
    desk.sweep()
    assert sorted(channel for channel, _ in desk.slack.boards) == ["C0HOSTS", "C0MONITOR"]
    desk.clock.advance(minutes=1)
    up(desk)
    desk.sweep()
    assert [call for call, _ in desk.slack.calls] == ["update_board", "update_board"]


def test_without_a_board_channel_the_sweep_reads_no_hosts(desk):
    desk.klaxon("settings host-board off")
    down(desk)
    report = desk.sweep()
    assert report.done["host_boards"] == 0 and desk.slack.boards == []


def test_a_flapping_host_ends_where_its_last_event_leaves_it(desk):
    for minute in range(7):
        (down if minute % 2 == 0 else up)(desk)
        desk.clock.advance(minutes=1)
    desk.sweep()
    (host,) = board(desk).down
    assert host.since == T0 + timedelta(minutes=6) and host.last_change == T0 + timedelta(minutes=6)


# ------------------------------------------------------------------------------------------------ mutes
def test_a_muted_host_neither_alerts_nor_pages_and_shows_as_muted_until_the_mute_runs_out(desk):
    desk.klaxon("policy set db level @bob")
    desk.klaxon("settings source-policy gcp db ack-timeout 1m")
    answer = desk.klaxon('hosts mute db-7 for 2h comment "disk swap"')
    assert answer.ok and "muted host `db-7` until" in answer.text

    (quiet,) = down(desk)
    assert quiet.alert.silenced_by and desk.slack.posts == []
    desk.clock.advance(minutes=2)
    desk.sweep()
    assert desk.slack.pages_sent == [] and [h.name for h, _ in board(desk).muted] == ["db-7"]
    assert ":no_bell: *db-7* muted until" in board_text(board(desk))

    desk.clock.advance(hours=2)  # the mute runs out by itself
    desk.sweep()
    assert board(desk).muted == () and [h.name for h in board(desk).down] == ["db-7"]
    desk.clock.advance(minutes=1)
    (loud,) = down(desk, key="uptime-db-7-again")
    assert loud.alert.silenced_by is None and [a.id for a in desk.slack.posts] == [loud.alert.id]


def test_hosts_muted_lists_each_mute_and_unmute_ends_it(desk):
    desk.klaxon("hosts mute db-7 for 2h")
    desk.klaxon("hosts mute web-1")
    listed = desk.klaxon("hosts muted", actor=GUEST)
    assert listed.ok and listed.text.startswith("*2 hosts muted:*")
    assert "• *db-7* `s-" in listed.text and f"by <@{ADMIN}>" in listed.text
    assert str((T0 + timedelta(days=30)).timestamp())[:10] in listed.text, "a mute without `for` lasts 30 days"

    assert desk.klaxon("hosts unmute db-7").ok
    (down_again,) = down(desk)
    assert down_again.alert.silenced_by is None and len(desk.slack.posts) == 1
    assert "db-7" not in desk.klaxon("hosts muted", actor=GUEST).text
    desk.refused("hosts unmute db-7", "`db-7` is not muted")


def test_muting_is_admin_only_and_audited_as_a_silence(desk):
    assert not desk.klaxon("hosts mute db-7", actor=GUEST).ok
    assert not desk.klaxon("hosts unmute db-7", actor=GUEST).ok
    desk.klaxon("hosts mute db-7 for 1h")
    desk.klaxon("hosts unmute db-7")
    unmuted, muted = desk.store.configuration.entries[:2]
    assert (muted.action, muted.after["matchers"]) == ("hosts mute", ['host="db-7"'])
    assert unmuted.action == "hosts unmute" and unmuted.after["expired_by"] == ADMIN
    (silence,) = desk.store.silences.silences.values()
    assert "`host=\"db-7\"`" not in desk.klaxon("silence list").text and silence.id in desk.klaxon("silence list").text


@pytest.mark.parametrize(("text", "problem"), [
    ("hosts mute", "a host name is missing"),
    ("hosts mute &lt;db-7&gt;", "is not a host name"),  # as Slack escapes a typed <db-7>
    ("hosts mute db*7", "is not a host name"),
    ("hosts mute db-7 for ever", '"ever" is not a duration'),
    ("hosts mute db-7 for 40d", "at most 30d"),
    ("hosts mute db-7 because", 'unknown option "because"'),
    ("hosts unmute", "a host name is missing"),
    ("hosts reboot db-7", 'unknown hosts command "reboot"'),
])
def test_a_bad_hosts_command_is_refused_naming_the_problem(desk, text, problem):
    desk.refused(text, problem)
    assert desk.store.silences.silences == {}


def test_hosts_shows_the_board_now_to_anyone(desk):
    down(desk)
    up(desk, "api-3", "k3")
    shown = desk.klaxon("hosts", actor=GUEST)
    assert shown.ok and shown.text.startswith(":red_circle: *Host board*: 1 down, 0 muted, 1 up (2 hosts)")
    assert "• :red_circle: *db-7* down since <!date^" in shown.text and "db-7 uptime check failing" in shown.text


# ------------------------------------------------------------------------------------------------ thousands of hosts
def test_a_board_of_five_thousand_hosts_fits_slack_s_limits(desk):
    hosts = [Host(f"host-{n:04d}.example.com", since=T0 + timedelta(seconds=n), last_change=T0 + timedelta(seconds=n),
                  firing=("k",) if n % 4 == 0 else (), latest_title="x" * 300) for n in range(5000)]
    shown = compose(hosts, {f"host-{n:04d}.example.com": T0 + timedelta(hours=1) for n in range(1, 100, 2)})
    blocks = [block.to_dict() for block in board_blocks(shown)]
    texts = [block["text"]["text"] for block in blocks if "text" in block]
    assert len(blocks) <= 50 and all(len(text) <= 3000 for text in texts)
    assert f"…and {len(shown.down) - DOWN_LISTED} more down" in "\n".join(texts)
    assert "…and 20 more muted" in "\n".join(texts)
    assert board_fallback(shown) == "Host board: 1250 down, 50 muted, 3700 up"


def test_names_and_titles_from_payloads_are_shown_never_read_as_markup(desk):
    desk.webhook(desk.event("generic", "k", host="<!here>", title="<@U0BOSS> <https://evil.example|click> & more"))
    text = board_text(compose(desk.store.hosts.all(), {}))
    assert "<!here>" not in text and "&lt;!here&gt;" in text and "&lt;@U0BOSS&gt;" in text and "&amp; more" in text
