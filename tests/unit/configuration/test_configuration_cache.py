"""A warm container's configuration: revalidated by one small read, reloaded only when it changed."""

from __future__ import annotations

from klaxon.configuration.model import Configuration, ConfigurationCache
from klaxon.rules import Rule
from tests.fakes import InMemoryConfiguration


def test_an_unchanged_configuration_is_loaded_once_and_revalidated_each_time():
    source = InMemoryConfiguration(Configuration(version=3, stamp="a"))
    cache = ConfigurationCache()
    for _ in range(5):
        cache.current(source)
    assert cache.loads == 1 and source.version_reads == 5


def test_a_commit_is_picked_up_by_the_next_use():
    source = InMemoryConfiguration(Configuration(version=3, stamp="a"))
    cache = ConfigurationCache()
    cache.current(source)
    rule = Rule.create(pattern="disk", target_channel="C1")
    source.snapshot = Configuration(version=4, stamp="b", rules=(rule,))
    assert cache.current(source).rules == (rule,) and cache.loads == 2


def test_a_restored_backup_that_repeats_a_version_number_is_still_reloaded():
    source = InMemoryConfiguration(Configuration(version=3, stamp="a"))
    cache = ConfigurationCache()
    cache.current(source)
    source.snapshot = Configuration(version=3, stamp="restored")
    assert cache.current(source).stamp == "restored" and cache.loads == 2
