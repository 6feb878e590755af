"""moto's server on loopback, answering one request at a time.

moto's backends are not thread-safe: two requests handled at once can lose an update or fail with
"dictionary changed size during iteration". Real DynamoDB applies every request atomically, and the
product's correctness (conditional writes, transactions, counters under racing sweeps and retries)
depends on exactly that - so the local cloud and the concurrency tests serialise requests. Clients
still race each other request by request, as they do against DynamoDB.

moto's TransactWriteItems backs up the whole table once per item of the transaction (to restore it if
one fails): a transaction of 100 items on a table of 3,000 copies 300,000 items, where DynamoDB's cost
does not grow with the table at all. Served here, it backs the table up once per transaction - the same
backup, so the same outcome - and the local cloud's timings stay those of Klaxon, not of the copying.
"""

from __future__ import annotations

import copy
import logging
import threading
import types
from collections.abc import Callable
from typing import Any

from moto.dynamodb import models as dynamodb_models
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server


class SerialMotoServer:
    """`with SerialMotoServer() as moto:` … `moto.url` is the endpoint for every AWS service."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request on the console
        self._server: BaseWSGIServer = make_server(
            host, port, DomainDispatcherApplication(create_backend_app), threaded=False,
            request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SerialMotoServer:
        _back_up_each_table_once()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SerialMotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _back_up_each_table_once() -> None:
    """Make moto's transactions copy each table once (see the module's docstring); idempotent."""
    backend = dynamodb_models.DynamoDBBackend
    if getattr(backend.transact_write_items, "backs_up_once", False):
        return
    original: Callable[..., None] = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        tables: dict[int, Any] = {}  # the tables, which live on through the call: their ids stay theirs

        def deepcopy_once(value: Any, memo: Any = None) -> Any:
            if not isinstance(value, dynamodb_models.Table):
                return copy.deepcopy(value, memo)
            if id(value) not in tables:
                tables[id(value)] = copy.deepcopy(value, memo)
            return tables[id(value)]

        # moto's models module calls copy.deepcopy(table) per item; requests are served one at a time here.
        dynamodb_models.copy = types.SimpleNamespace(deepcopy=deepcopy_once)  # type: ignore[attr-defined]
        try:
            original(self, transact_items)
        finally:
            dynamodb_models.copy = copy  # type: ignore[attr-defined]

    transact_write_items.backs_up_once = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
