"""Lambda's part of the local cloud: load a template function's handler and invoke it in-process.

Each function's handler file is loaded once under its own module name (all three are `app.py`),
which is what one warm Lambda container per function looks like. Asynchronous invocations run in a
worker pool with Lambda's retry policy (two retries) and end in a dead-letter list, never silently.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from infra.template import FunctionSpec

log = logging.getLogger("klaxon.local")

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


@dataclass
class LambdaContext:
    """The context object Lambda passes to a handler (the attributes Powertools and Bolt read)."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id[:8]}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


@dataclass
class DeadLetter:
    """An asynchronous invocation that failed on every attempt, as Lambda would send it to the DLQ."""

    function_name: str
    payload: Any
    error: str


class LocalFunction:
    """One template function, its handler module loaded lazily once (a warm container)."""

    def __init__(self, spec: FunctionSpec, name: str) -> None:
        self.spec = spec
        self.name = name
        self._module: ModuleType | None = None
        self._lock = threading.Lock()

    @property
    def handler(self) -> Callable[[Any, LambdaContext], Any]:
        with self._lock:
            if self._module is None:
                self._module = _load_module(self.spec)
        return getattr(self._module, self.spec.handler_name)

    def invoke(self, event: Any) -> Any:
        """Run the handler once with a fresh context; exceptions propagate as Lambda errors do."""
        context = LambdaContext(self.name, memory_limit_in_mb=512, timeout_seconds=self.spec.timeout)
        started = time.monotonic()
        try:
            return self.handler(event, context)
        finally:
            elapsed = time.monotonic() - started
            if elapsed > self.spec.timeout:
                log.warning("%s ran %.1fs, over its %ss timeout", self.name, elapsed, self.spec.timeout)


def _load_module(spec: FunctionSpec) -> ModuleType:
    module_spec = importlib.util.spec_from_file_location(f"lambda_{spec.logical_id}", spec.handler_file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {spec.handler_file}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


class AsyncInvoker:
    """Lambda's asynchronous invocation: queue, run, retry twice, then dead-letter."""

    def __init__(self, retry_delay: float, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-async")
        self._retry_delay = retry_delay
        self._pending = 0
        self._idle = threading.Condition()
        self._backlog: list[tuple[LocalFunction, Any]] | None = None
        self.dead_letters: list[DeadLetter] = []

    def submit(self, function: LocalFunction, payload: Any) -> None:
        with self._idle:
            if self._backlog is not None:
                self._backlog.append((function, payload))
                return
            self._pending += 1
        future: Future[None] = self._pool.submit(self._run, function, payload)
        future.add_done_callback(lambda _: self._done())

    @contextmanager
    def backlogged(self) -> Iterator[list[tuple[LocalFunction, Any]]]:
        """Hold asynchronous invocations back, as a backed-up Lambda queue does, and run them on leaving.

        Yields the backlog (function, event) as it fills; it does not count as pending work.
        """
        with self._idle:
            self._backlog = backlog = []
        try:
            yield backlog
        finally:
            with self._idle:
                self._backlog = None
            for function, payload in backlog:
                self.submit(function, payload)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no asynchronous invocation is queued or running; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    @property
    def pending(self) -> int:
        return self._pending

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def _run(self, function: LocalFunction, payload: Any) -> None:
        attempts = 3  # the first try and Lambda's two retries (EventInvokeConfig.MaximumRetryAttempts)
        queued = json.dumps(payload)  # Lambda keeps the event as JSON: each attempt gets it afresh
        for attempt in range(1, attempts + 1):
            try:
                function.invoke(json.loads(queued))
                return
            except Exception:  # noqa: BLE001 - any handler failure is a Lambda error, retried
                error = traceback.format_exc()
                log.error("async %s failed (attempt %d of %d):\n%s", function.name, attempt, attempts, error)
                if attempt < attempts:
                    time.sleep(self._retry_delay)
        self.dead_letters.append(DeadLetter(function.name, payload, error.strip().splitlines()[-1]))
        log.error("async %s dead-lettered: %s", function.name, json.dumps(payload)[:200])
