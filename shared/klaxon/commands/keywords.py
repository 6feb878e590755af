"""`/klaxon keyword …`: replies to phrases said in incidents' comms channels - add, list, remove (SPEC §4).

    /klaxon keyword add "runbook" reply "Runbooks: https://wiki.example/runbooks"
    /klaxon keyword list
    /klaxon keyword remove k-1a2b3c

The phrase is compared as people read it (quotes keep a phrase of several words together; a single word
may go without); the reply is kept in Slack's markup as it was typed, links and mentions included, and
posted as it is. Admins add and remove; anyone lists. Every change is audited and exported with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from klaxon.commands.editing import Console, Edit, Invocation, Refused, edit
from klaxon.commands.model import Answer, Change, Command, CommandError
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words, quoted_text
from klaxon.configuration.model import Configuration
from klaxon.incidents.keywords import KeywordError, KeywordReply
from klaxon.rules.patterns import quote


@dataclass(frozen=True)
class AddKeyword(Command):
    phrase: str
    reply: str  # in Slack's markup, as typed


@dataclass(frozen=True)
class ListKeywords(Command):
    """Every keyword reply."""


@dataclass(frozen=True)
class RemoveKeyword(Command):
    keyword_id: str


@dataclass(frozen=True)
class KeywordsListed(Answer):
    keywords: tuple[KeywordReply, ...]


@dataclass(frozen=True)
class KeywordAdded(Change):
    keyword: KeywordReply


@dataclass(frozen=True)
class KeywordRemoved(Change):
    keyword: KeywordReply


def _add(words: Words) -> AddKeyword:
    phrase = quoted_text(words, "keyword", stop=("reply",))
    keyword = words.next()
    if keyword is None or keyword.lower() != "reply":
        raise CommandError(f'after the keyword "{quote(phrase)}" write reply "<text>"')
    reply = words.quoted()
    if reply is None:
        raise CommandError('the reply goes in double quotes: reply "Runbooks are at https://…"')
    words.end(after="the reply")
    if not reply.strip():
        raise CommandError("the reply is empty")
    return AddKeyword(phrase, reply.strip())


def _list(words: Words) -> ListKeywords:
    words.end(after="keyword list")
    return ListKeywords()


def _remove(words: Words) -> RemoveKeyword:
    word = words.next()
    if word is None:
        raise CommandError("say which keyword reply to remove, such as k-1a2b3c (`/klaxon keyword list`)")
    words.end(after=word)
    return RemoveKeyword(word.lower())


def _run_add(command: AddKeyword, invocation: Invocation, console: Console) -> Answer:
    try:
        keyword = KeywordReply.create(command.phrase, command.reply)
    except KeywordError as error:
        raise Refused(str(error)) from error

    def add(config: Configuration) -> Edit:
        if any(kept.phrase.lower() == keyword.phrase.lower() for kept in config.keywords):
            raise Refused(f'there is a reply to "{quote(keyword.phrase)}" already; remove it first')
        return Edit(config.with_keywords((*config.keywords, keyword)), KeywordAdded(keyword),
                    after=keyword.to_record())

    return edit(console, invocation, "keyword add", add)


def _run_list(command: ListKeywords, invocation: Invocation, console: Console) -> Answer:
    return KeywordsListed(console.configuration.load().keywords)


def _run_remove(command: RemoveKeyword, invocation: Invocation, console: Console) -> Answer:
    def remove(config: Configuration) -> Edit:
        found = next((kept for kept in config.keywords if kept.id == command.keyword_id), None)
        if found is None:
            raise Refused(f"there is no keyword reply `{quote(command.keyword_id)}`; `/klaxon keyword list` shows them")
        return Edit(config.with_keywords(tuple(kept for kept in config.keywords if kept is not found)),
                    KeywordRemoved(found), before=found.to_record())

    return edit(console, invocation, "keyword remove", remove)


REGISTRY.add(Verb("keyword add", '/klaxon keyword add "<word or phrase>" reply "<text>"', _add, _run_add,
                  admin=True), AddKeyword)
REGISTRY.add(Verb("keyword list", "/klaxon keyword list", _list, _run_list), ListKeywords)
REGISTRY.add(Verb("keyword remove", "/klaxon keyword remove <id>", _remove, _run_remove, admin=True), RemoveKeyword)
