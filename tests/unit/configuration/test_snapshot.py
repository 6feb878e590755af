"""The configuration as a few compressed pieces: everything comes back, and pieces that do not make one are
refused naming what is wrong, never read as a different configuration."""

from __future__ import annotations

import json
import random
import string
import zlib
from dataclasses import replace
from unittest.mock import patch

import pytest

from klaxon.configuration import snapshot
from klaxon.configuration.model import Configuration, Preferences
from klaxon.configuration.snapshot import SnapshotError, decode, encode
from klaxon.incidents.keywords import KeywordReply
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.rules import ChannelDefault, Rule, TimeWindow

CONFIG = Configuration(
    version=7, stamp="old",
    rules=(Rule(id="r-disk", name="disk", pattern=r"disk (full|\d+%)", ignore_case=True, target_channel="C0INC",
                label="[Disk]", window=TimeWindow.parse("not mon-fri 09:00-18:00 Asia/Tokyo"),
                channels=frozenset({"C0ALERTS"}), posters=frozenset({"B0GRAFANA", "webhook:gcp"}),
                hotline=("S0OPS", "here"), policy="db", ack_timeout_seconds=120),
           Rule(id="r-noise", name="noise", pattern="heartbeat", target_channel="C0INC", enabled=False,
                ims_matching=True)),
    channel_defaults={"C0ALERTS": ChannelDefault.ACK, "*": ChannelDefault.ALERT},
    preferences=Preferences(verbose_digest=True, reminder_hours=("09:00", "17:30"), source_channels={"gcp": "C0GCP"}),
    policies={"db": EscalationPolicy("db", levels=(Level(("U0ALICE",), 300), Level(("S0LEADS",), 120)), repeat=1)},
    channel_policies={"C0ALERTS": "db"}, default_policy="db",
    keywords=(KeywordReply(id="k-00000a", phrase="run book", reply="Runbooks: <https://wiki.example/rb>"),),
)


def test_everything_an_admin_configures_comes_back_with_the_version_it_was_stored_under():
    pieces = encode(CONFIG, piece_bytes=200)
    assert len(pieces) > 1 and all(len(piece) <= 200 for piece in pieces)
    assert decode(pieces, version=8, stamp="new") == replace(CONFIG, version=8, stamp="new")


def test_an_empty_configuration_is_one_small_piece():
    (piece,) = encode(Configuration(), piece_bytes=350_000)
    assert len(piece) < 1_000 and decode([piece], version=1, stamp="s") == Configuration(version=1, stamp="s")


def test_a_rule_set_over_one_item_is_cut_into_pieces_that_each_fit():
    # Patterns of random characters hardly compress: 300 rules of 1,000 characters are ~200 KB compressed.
    rnd = random.Random(7)
    rules = tuple(Rule(id=f"r-{n:04d}", name=f"rule {n}", target_channel="C0INC",
                       pattern="".join(rnd.choices(string.ascii_lowercase + string.digits, k=1_000)))
                  for n in range(300))
    pieces = encode(Configuration(rules=rules), piece_bytes=64_000)
    assert len(pieces) >= 3 and all(len(piece) <= 64_000 for piece in pieces)
    assert decode(pieces, version=1, stamp="s").rules == rules


@pytest.mark.parametrize("damage, problem", [
    (lambda pieces: pieces[:-1], "cut short"),
    (lambda pieces: [pieces[1], pieces[0], *pieces[2:]], "corrupt"),
    (lambda pieces: [b"not zlib at all", *pieces[1:]], "corrupt"),
])
def test_pieces_that_do_not_make_the_configuration_are_refused(damage, problem):
    pieces = encode(CONFIG, piece_bytes=100)
    with pytest.raises(SnapshotError, match=problem):
        decode(damage(pieces), version=8, stamp="s")


def test_a_format_this_klaxon_does_not_know_is_refused_by_name():
    future = zlib.compress(json.dumps({"format": 2, "rules": []}).encode())
    with pytest.raises(SnapshotError, match="format 2; this Klaxon reads format 1"):
        decode([future], version=1, stamp="s")


def test_a_record_that_is_not_a_configuration_is_refused():
    for record in ([1, 2], {"format": 1, "rules": [{"id": "r-1"}]}, {"format": 1}):
        with pytest.raises(SnapshotError):
            decode([zlib.compress(json.dumps(record).encode())], version=1, stamp="s")


def test_pieces_that_inflate_beyond_any_configuration_are_refused_without_inflating_them_whole():
    with patch.object(snapshot, "MAX_INFLATED_BYTES", 10_000):
        with pytest.raises(SnapshotError, match="inflates past 10,000 bytes"):
            decode([zlib.compress(b" " * 50_000)], version=1, stamp="s")
