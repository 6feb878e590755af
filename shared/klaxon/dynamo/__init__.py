"""DynamoDB adapters: the one table, and a repository per concern on top of it."""

from __future__ import annotations

from typing import Any

from klaxon.dynamo.alerts import DynamoAlerts
from klaxon.dynamo.claims import DynamoEventClaims
from klaxon.dynamo.configuration import DynamoConfiguration
from klaxon.dynamo.digests import BOARD_PK, DynamoDigests
from klaxon.dynamo.directory import DynamoDirectory
from klaxon.dynamo.hosts import DynamoHosts
from klaxon.dynamo.incidents import DynamoIncidents
from klaxon.dynamo.messages import DynamoMessages
from klaxon.dynamo.pages import DynamoPages
from klaxon.dynamo.people import DynamoPeople
from klaxon.dynamo.silences import DynamoSilences
from klaxon.dynamo.table import Table
from klaxon.tracing import NO_TRACE, Trace


class DynamoStore:
    """Everything Klaxon keeps, in one table (implements klaxon.ports.Store)."""

    def __init__(self, client: Any, table_name: str, trace: Trace = NO_TRACE) -> None:
        self.table = Table(client, table_name, trace)
        self.claims = DynamoEventClaims(self.table)
        self.alerts = DynamoAlerts(self.table)
        self.configuration = DynamoConfiguration(self.table)
        self.digests = DynamoDigests(self.table)
        self.boards = DynamoDigests(self.table, BOARD_PK)
        self.hosts = DynamoHosts(self.table)
        self.messages = DynamoMessages(self.table)
        self.pages = DynamoPages(self.table)
        self.silences = DynamoSilences(self.table)
        self.incidents = DynamoIncidents(self.table)
        self.directory = DynamoDirectory(self.table)
        self.people = DynamoPeople(self.table)


__all__ = ["DynamoStore"]
