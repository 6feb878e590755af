"""A warm container's configuration: revalidated by one small read, reloaded only when it changed."""

from __future__ import annotations

from datetime import UTC, datetime

from klaxon.alerts.judging import Identity
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.configuration.model import CachedConfiguration, Configuration, ConfigurationCache
from klaxon.rules import Rule
from klaxon.slack.renderers.commands import describe_change, reply
from tests.fakes import FakeClock, FakeDirectory, InMemoryAlerts, InMemoryConfiguration, InMemoryHosts, InMemorySilences

ADMIN, INCIDENTS = "U0ADMIN", "C0INCIDENT"


def test_an_unchanged_configuration_is_loaded_once_and_revalidated_each_time():
    source = InMemoryConfiguration(Configuration(version=3, stamp="a"))
    cache = ConfigurationCache()
    for _ in range(5):
        cache.current(source)
    # The first use loads at once (a load reads the version itself); each later one asks for the stamp.
    assert cache.loads == 1 and source.version_reads == 4


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


def console_on(cache: ConfigurationCache, store: InMemoryConfiguration) -> Console:
    """What /klaxon commands get in a container (klaxon.services): the store, read through its cache."""
    return Console(configuration=CachedConfiguration(store, cache), alerts=InMemoryAlerts(),
                   silences=InMemorySilences(store.entries), hosts=InMemoryHosts(),
                   directory=FakeDirectory(channel_names={"incidents": INCIDENTS}),
                   clock=FakeClock(datetime(2026, 11, 24, 19, 30, tzinfo=UTC)), me=Identity("U0KLAXON", "B0K", None),
                   admin_users=frozenset({ADMIN}), describe=describe_change)


def say(console: Console, text: str) -> str:
    return reply(run_command(Invocation(text=text, actor=ADMIN, channel="C0ALERTS"), console)).text


def test_rule_test_on_a_warm_container_uses_the_rules_messages_are_judged_with():
    # Given a container that judged a message with the current rules
    store = InMemoryConfiguration(Configuration(version=1, stamp="a", rules=(
        Rule(id="r-disk", name="disk", pattern="disk full", target_channel=INCIDENTS),)))
    cache = ConfigurationCache()
    judged_with = cache.current(store)
    console = console_on(cache, store)
    # When anyone tries rules, twice, and lists them
    answers = [say(console, "rule test disk full on db-1"), say(console, "rule test disk full on db-2")]
    say(console, "rule list")
    # Then nothing is loaded again: the same compiled rules answer, after one small read each
    assert all("rule r-disk" in answer for answer in answers), answers
    assert store.loads == 1 and cache.current(store).rulebook is judged_with.rulebook


def test_an_edit_through_the_cache_is_what_the_next_rule_test_sees():
    store = InMemoryConfiguration(Configuration(version=1, stamp="a"))
    cache = ConfigurationCache()
    console = console_on(cache, store)
    assert "No rule's pattern matches it" in say(console, "rule test disk full")

    say(console, "rule add disk full to #incidents")

    assert "matches → would alert to <#C0INCIDENT>" in say(console, "rule test disk full")
    assert store.loads == 2 and cache.current(store).version == 2
