"""moto's server on loopback, answering one request at a time.

moto's backends are not thread-safe: two requests handled at once can lose an update or fail with
"dictionary changed size during iteration". Real DynamoDB applies every request atomically, and the
product's correctness (conditional writes, transactions, counters under racing sweeps and retries)
depends on exactly that - so the local cloud and the concurrency tests serialise requests. Clients
still race each other request by request, as they do against DynamoDB.
"""

from __future__ import annotations

import logging
import threading

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
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SerialMotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
