"""The one DynamoDB table, through the low-level client.

Repositories speak plain Python values; this module turns them into DynamoDB's typed form and back
(numbers come back as int or float, never Decimal), reports a failed condition as a result rather than
an exception, and counts the items it reads and writes so benchmarks can show what a sweep or an event costs.
Every request is a trace segment of its own (`dynamodb GetItem`), annotated with the operation.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from klaxon.tracing import NO_TRACE, Trace

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch(moment: datetime) -> Decimal:
    """A moment as exact epoch seconds, microseconds kept (DynamoDB numbers hold 38 digits).

    Due times are stored and compared in this form, so "due" means `due time <= now` to the
    microsecond: no rounding can make work due a fraction of a second early.
    """
    return Decimal((moment - _EPOCH) // timedelta(microseconds=1)).scaleb(-6)


class ConditionFailed(Exception):
    """A conditional write or transaction found the item not in the expected state."""

    def __init__(self, reasons: Sequence[str] = ()) -> None:
        super().__init__(", ".join(reasons) or "condition failed")
        self.reasons = list(reasons)


@dataclass
class ItemCounter:
    """Items and requests read (or written), for cost benchmarks (reset freely)."""

    items: int = 0
    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, items: int) -> None:
        self.items += items
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + items


@dataclass(frozen=True)
class Write:
    """One write inside a transaction: a put, an update, a delete or a condition check."""

    kind: str  # "Put" | "Update" | "Delete" | "ConditionCheck"
    key: Item
    item: Item | None = None
    update: str | None = None
    condition: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, Any] | None = None


class Table:
    """Typed access to the table; `client` is a boto3 DynamoDB client built once per container, `trace` where
    each request's segment goes."""

    def __init__(self, client: Any, name: str, trace: Trace = NO_TRACE) -> None:
        self.client = client
        self.name = name
        self.trace = trace
        self.reads = ItemCounter()
        self.writes = ItemCounter()

    def _call(self, operation: str, **kwargs: Any) -> Any:
        """One request (`get_item` …) in a trace segment named after DynamoDB's operation (GetItem)."""
        name = "".join(part.title() for part in operation.split("_"))
        with self.trace.segment(f"dynamodb {name}") as segment:
            segment.put_annotation("dynamodb_operation", name)
            try:
                return getattr(self.client, operation)(**kwargs)
            except ClientError as error:
                segment.put_annotation("dynamodb_error", str(error.response.get("Error", {}).get("Code", "")))
                raise

    # ------------------------------------------------------------------ reads
    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None:
        response = self._call("get_item", TableName=self.name, Key=_key(pk, sk), ConsistentRead=consistent)
        item = response.get("Item")
        self.reads.add("get", 1 if item else 0)
        return plain(item) if item else None

    def query(self, pk: str, *, sk_prefix: str | None = None, newest_first: bool = False,
              limit: int | None = None, consistent: bool = False) -> list[Item]:
        """Items under one partition key, optionally only those whose sort key starts with a prefix."""
        expression = "pk = :pk" + (" AND begins_with(sk, :prefix)" if sk_prefix else "")
        values = {":pk": pk, **({":prefix": sk_prefix} if sk_prefix else {})}
        kwargs: dict[str, Any] = {"KeyConditionExpression": expression, "ScanIndexForward": not newest_first,
                                  "ExpressionAttributeValues": _values(values), "ConsistentRead": consistent}
        return list(self._paginate(kwargs, limit, "query"))

    def due(self, kind: str, *, until: Decimal | None = None, since: Decimal | None = None,
            limit: int | None = None) -> list[tuple[str, str]]:
        """Keys of items of one kind in the sparse `due` index, oldest first: those due by `until`,
        or those at or after `since` (epoch seconds, see `epoch`).

        The index is eventually consistent: it may still list an item whose due time has moved on.
        Callers read the items themselves consistently and check the due time again before acting.
        """
        condition, bound = _due_condition(until, since)
        kwargs: dict[str, Any] = {"IndexName": "due", "KeyConditionExpression": condition,
                                  "ExpressionAttributeValues": _values({":kind": kind, ":bound": bound})}
        return [(item["pk"], item["sk"]) for item in self._paginate(kwargs, limit, "due")]

    def count_due(self, kind: str, *, until: Decimal | None = None, since: Decimal | None = None) -> int:
        """How many items of one kind the `due` index holds by `until` or from `since`, counted by DynamoDB
        (Select=COUNT, page by page) without returning them; the index entries it went through count as read."""
        condition, bound = _due_condition(until, since)
        return self._count({"IndexName": "due", "KeyConditionExpression": condition,
                            "ExpressionAttributeValues": _values({":kind": kind, ":bound": bound})})

    def count_history(self, kind: str) -> int:
        """How many items of one kind the sparse `history` index holds, counted as count_due counts."""
        return self._count({"IndexName": "history", "KeyConditionExpression": "history_kind = :kind",
                            "ExpressionAttributeValues": _values({":kind": kind})})

    def _count(self, kwargs: dict[str, Any]) -> int:
        kwargs = {**kwargs, "Select": "COUNT"}
        total = 0
        while True:
            response = self.client.query(TableName=self.name, **kwargs)
            total += int(response.get("Count", 0))
            self.reads.add("count", response.get("ScannedCount", 0))
            if not response.get("LastEvaluatedKey"):
                return total
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def history(self, kind: str, *, since: Decimal, limit: int | None = None) -> list[Item]:
        """Whole items of one kind in the sparse `history` index (every attribute projected), newest first,
        from `since` (epoch seconds, see `epoch`) on."""
        kwargs: dict[str, Any] = {"IndexName": "history", "ScanIndexForward": False,
                                  "KeyConditionExpression": "history_kind = :kind AND history_at >= :since",
                                  "ExpressionAttributeValues": _values({":kind": kind, ":since": since})}
        return list(self._paginate(kwargs, limit, "history"))

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        """Items by key, 100 per BatchGetItem, resending what DynamoDB leaves unprocessed; order not kept."""
        found: list[Item] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {self.name: {"Keys": [_key(pk, sk) for pk, sk in keys[start:start + 100]],
                                                   "ConsistentRead": True}}
            for attempt in range(8):
                response = self._call("batch_get_item", RequestItems=pending)
                items = response.get("Responses", {}).get(self.name, [])
                self.reads.add("get_many", len(items))
                found += [plain(item) for item in items]
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                time.sleep(min(1.0, 0.05 * 2 ** attempt))
        return found

    def _paginate(self, kwargs: dict[str, Any], limit: int | None, kind: str) -> Iterator[Item]:
        seen = 0
        while True:
            if limit is not None:
                kwargs["Limit"] = limit - seen
            response = self._call("query", TableName=self.name, **kwargs)
            items = response.get("Items", [])
            self.reads.add(kind, len(items))
            for item in items:
                yield plain(item)
            seen += len(items)
            start = response.get("LastEvaluatedKey")
            if not start or (limit is not None and seen >= limit):
                return
            kwargs["ExclusiveStartKey"] = start

    # ------------------------------------------------------------------ writes
    def put(self, item: Item, *, condition: str | None = None, names: Mapping[str, str] | None = None,
            values: Mapping[str, Any] | None = None) -> None:
        """Put an item; raise ConditionFailed when `condition` does not hold."""
        kwargs = _conditional(condition, names, values)
        self.writes.add("put", 1)
        self._write("put_item", TableName=self.name, Item=_item(item), **kwargs)

    def update(self, pk: str, sk: str, expression: str, *, condition: str | None = None,
               names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None) -> Item:
        """Apply an update expression and return the item as it is now; ConditionFailed if refused."""
        kwargs = _conditional(condition, names, values)
        self.writes.add("update", 1)
        response = self._write("update_item", TableName=self.name, Key=_key(pk, sk),
                               UpdateExpression=expression, ReturnValues="ALL_NEW", **kwargs)
        return plain(response.get("Attributes", {}))

    def delete(self, pk: str, sk: str, *, condition: str | None = None,
               names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None) -> None:
        kwargs = _conditional(condition, names, values)
        self.writes.add("delete", 1)
        self._write("delete_item", TableName=self.name, Key=_key(pk, sk), **kwargs)

    def put_many(self, items: Sequence[Item]) -> None:
        """Put items in batches of 25, resending what DynamoDB leaves unprocessed (throttling)."""
        self._batch([{"PutRequest": {"Item": _item(item)}} for item in items])

    def delete_many(self, keys: Sequence[tuple[str, str]]) -> None:
        """Delete items by (pk, sk) in batches of 25."""
        self._batch([{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in keys])

    def _batch(self, requests: list[Item]) -> None:
        for start in range(0, len(requests), 25):
            pending = {self.name: requests[start:start + 25]}
            self.writes.add("batch", len(pending[self.name]))
            for attempt in range(8):
                pending = self._call("batch_write_item", RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(1.0, 0.05 * 2 ** attempt))
            if pending:
                raise RuntimeError(f"DynamoDB kept {len(pending[self.name])} writes unprocessed")

    def transact(self, writes: Sequence[Write]) -> None:
        """All writes or none; ConditionFailed lists, per write, why it was refused ("None" if not).

        No writes make no request (DynamoDB refuses an empty transaction).
        """
        if not writes:
            return
        operations = [{write.kind: _operation(self.name, write)} for write in writes]
        self.writes.add("transact", len(operations))
        try:
            self._call("transact_write_items", TransactItems=operations)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            raise ConditionFailed(reasons) from error

    def _write(self, operation: str, **kwargs: Any) -> Any:
        try:
            return self._call(operation, **kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConditionFailed(["ConditionalCheckFailed"]) from error
            raise


def back_off(attempt: int) -> None:
    """A short, jittered pause before a racing writer's next attempt (the `attempt`-th, from 0)."""
    time.sleep(random.uniform(0, 0.01 * 2 ** attempt))


def plain(item: Mapping[str, Any]) -> Item:
    """A typed DynamoDB item as plain Python values (Decimal → int or float, sets → sorted lists)."""
    return {key: _plain_value(_deserializer.deserialize(value)) for key, value in item.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(_plain_value(v) for v in value)
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, float):
        value = Decimal(str(value))
    elif isinstance(value, dict):
        return {"M": {k: _typed(v) for k, v in value.items()}}
    elif isinstance(value, list | tuple):
        return {"L": [_typed(v) for v in value]}
    return _serializer.serialize(value)


def _item(item: Mapping[str, Any]) -> Item:
    return {key: _typed(value) for key, value in item.items() if value is not None}


def _due_condition(until: Decimal | None, since: Decimal | None) -> tuple[str, Decimal]:
    if until is not None:
        return "due_kind = :kind AND due_at <= :bound", until
    if since is not None:
        return "due_kind = :kind AND due_at >= :bound", since
    raise ValueError("the due index is read by `until` or `since`")


def _key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _values(values: Mapping[str, Any]) -> Item:
    return {key: _typed(value) for key, value in values.items()}


def _conditional(condition: str | None, names: Mapping[str, str] | None,
                 values: Mapping[str, Any] | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if condition:
        kwargs["ConditionExpression"] = condition
    if names:
        kwargs["ExpressionAttributeNames"] = dict(names)
    if values:
        kwargs["ExpressionAttributeValues"] = _values(values)
    return kwargs


def _operation(table: str, write: Write) -> Item:
    operation: Item = {"TableName": table}
    if write.kind == "Put":
        operation["Item"] = _item({**write.key, **(write.item or {})})
    else:
        operation["Key"] = _key(write.key["pk"], write.key["sk"])
    if write.update:
        operation["UpdateExpression"] = write.update
    operation.update(_conditional(write.condition, write.names, write.values))
    return operation
