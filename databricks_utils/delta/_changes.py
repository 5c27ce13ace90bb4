"""Change events from a source DataFrame: keys, sequence, delete flag and stored columns.

The batch is reduced to one event per key and sequence (exact duplicates collapse, a delete
wins over an upsert at the same sequence), checkpointed and validated from the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, MapType, StructType

from databricks_utils.delta._materialize import checkpoint, release
from databricks_utils.delta._target import first_row
from databricks_utils.delta.columns import INTERNAL_PREFIX, ColumnResolver, quoted
from databricks_utils.delta.errors import MergeInputError

SEQ = f"{INTERNAL_PREFIX}seq"
DELETE = f"{INTERNAL_PREFIX}delete"
PAYLOAD = f"{INTERNAL_PREFIX}payload"
ROWS = f"{INTERNAL_PREFIX}rows"
LOW_HASH = f"{INTERNAL_PREFIX}low_hash"
HIGH_HASH = f"{INTERNAL_PREFIX}high_hash"
KEY_EVENTS = f"{INTERNAL_PREFIX}key_events"

_EXAMPLES = 5


@dataclass(frozen=True)
class ChangeSpec:
    """Which source columns play which part in a merge."""

    keys: list[str]
    payload: list[str]
    columns: list[str]
    sequence_label: str
    sequence_column: str | None
    sequence_type: DataType

    @property
    def stored(self) -> list[str]:
        """Columns written to the target, keys first."""
        return [*self.keys, *self.payload]

    def with_sequence_column(self, sequence: Column) -> list[Column]:
        """The payload columns, with the stored sequence column set to ``sequence``."""
        return [sequence.alias(c) if c == self.sequence_column else F.col(c) for c in self.payload]


@dataclass
class ChangeBatch:
    """The validated batch: one row per key and sequence, checkpointed (lineage cut)."""

    spec: ChangeSpec
    events: DataFrame
    count: int
    min_sequence: Any
    deletes: int
    most_events_per_key: int
    persisted: DataFrame

    def release(self) -> None:
        release(self.persisted)


def describe_sequence(sequence_by: str | Column) -> str:
    return sequence_by if isinstance(sequence_by, str) else str(sequence_by)


def change_spec(
    source: DataFrame,
    *,
    resolver: ColumnResolver,
    keys: list[str],
    sequence_by: str | Column,
    except_columns: list[str],
    reserved: list[str],
) -> tuple[ChangeSpec, Column]:
    """Resolve the arguments against ``source``; returns the spec and the sequence expression."""
    clashing = [
        column
        for column in source.columns
        if column.startswith(INTERNAL_PREFIX) or any(column.lower() == r.lower() for r in reserved)
    ]
    if clashing:
        raise MergeInputError(
            f"source column(s) {quoted(clashing)} clash with the columns the merge maintains "
            f"({quoted(reserved)}) or its working prefix '{INTERNAL_PREFIX}'; rename them or "
            "choose other names for the validity columns"
        )
    key_columns = resolver.resolve(keys, argument="keys")
    if not key_columns:
        raise MergeInputError("keys: give at least one key column")
    excluded = resolver.resolve(except_columns, argument="except_columns")
    excluded_keys = [key for key in key_columns if key in excluded]
    if excluded_keys:
        raise MergeInputError(
            f"except_columns: key column(s) {quoted(excluded_keys)} must be stored"
        )
    if isinstance(sequence_by, str):
        sequence_column = resolver.resolve([sequence_by], argument="sequence_by")[0]
        if sequence_column in key_columns:
            raise MergeInputError(f"sequence_by: '{sequence_column}' is a key column")
        sequence = F.col(sequence_column)
        stored_sequence = None if sequence_column in excluded else sequence_column
    else:
        sequence, stored_sequence = sequence_by, None
    sequence_type = source.select(sequence.alias(SEQ)).schema[SEQ].dataType
    if not orderable(sequence_type) or sequence_type.typeName() == "null":
        raise MergeInputError(
            f"sequence_by {describe_sequence(sequence_by)!r} has type "
            f"{sequence_type.simpleString()}, which cannot be ordered; use a number, a "
            "timestamp, a date, a string or a struct of those"
        )
    payload = [c for c in source.columns if c not in key_columns and c not in excluded]
    spec = ChangeSpec(
        keys=key_columns,
        payload=payload,
        columns=[c for c in source.columns if c not in excluded],
        sequence_label=describe_sequence(sequence_by),
        sequence_column=stored_sequence,
        sequence_type=sequence_type,
    )
    return spec, sequence


def delete_flag(delete_when: str | Column | None) -> Column:
    """The delete-event marker; a NULL condition counts as an upsert."""
    if delete_when is None:
        return F.lit(False)
    condition = F.expr(delete_when) if isinstance(delete_when, str) else delete_when
    return F.coalesce(condition.cast("boolean"), F.lit(False))


def payload_hash(columns: list[str]) -> Column:
    """A hash of the column values that tells ``(NULL, 'x')`` from ``('x', NULL)``."""
    parts: list[Column] = []
    for column in columns:
        parts += [F.col(column), F.col(column).isNull()]
    return F.xxhash64(*parts) if parts else F.lit(0).cast("long")


def change_events(
    source: DataFrame,
    spec: ChangeSpec,
    sequence: Column,
    delete_when: str | Column | None,
) -> DataFrame:
    """The source as events: the stored columns, ``SEQ`` and ``DELETE`` (nothing computed)."""
    try:
        flag = delete_flag(delete_when)
        return source.select(*spec.stored, sequence.alias(SEQ), flag.alias(DELETE))
    except Exception as error:
        raise MergeInputError(f"delete_when {delete_when!r} cannot be evaluated: {error}") from None


def collect_batch(events: DataFrame, spec: ChangeSpec) -> ChangeBatch:
    """``events`` (from ``change_events``) reduced to one per key and sequence, validated;
    raises before anything is written."""
    upsert_hash = F.when(~F.col(DELETE), payload_hash(spec.payload))
    grouped = (
        events.repartition(*spec.keys)
        .groupBy(*spec.keys, SEQ)
        .agg(
            F.count(F.lit(1)).alias(ROWS),
            F.max(DELETE).alias(DELETE),
            F.min(upsert_hash).alias(LOW_HASH),
            F.max(upsert_hash).alias(HIGH_HASH),
            F.first(F.when(~F.col(DELETE), F.struct(*spec.payload)), ignorenulls=True).alias(
                PAYLOAD
            ),
        )
        .withColumn(KEY_EVENTS, F.count(F.lit(1)).over(Window.partitionBy(*spec.keys)))
    )
    metrics = [
        *[
            F.sum(F.when(F.col(key).isNull(), F.col(ROWS)).otherwise(0)).alias(f"null_{i}")
            for i, key in enumerate(spec.keys)
        ],
        F.sum(F.when(F.col(SEQ).isNull(), F.col(ROWS)).otherwise(0)).alias("null_seq"),
        F.sum((F.col(LOW_HASH) != F.col(HIGH_HASH)).cast("long")).alias("conflicts"),
        F.min(SEQ).alias("min_seq"),
        F.count(F.lit(1)).alias("events"),
        F.sum(F.col(DELETE).cast("long")).alias("deletes"),
        F.max(KEY_EVENTS).alias("most_per_key"),
    ]
    grouped = checkpoint(grouped)
    try:
        stats = first_row(grouped.agg(*metrics))
        _check_batch(grouped, spec, stats)
    except BaseException:
        release(grouped)
        raise
    events = grouped.select(
        *spec.keys,
        SEQ,
        DELETE,
        *[F.col(f"{PAYLOAD}.{c}").alias(c) for c in spec.payload],
    )
    return ChangeBatch(
        spec,
        events,
        int(stats["events"]),
        stats["min_seq"],
        int(stats["deletes"] or 0),
        int(stats["most_per_key"] or 0),
        grouped,
    )


def _check_batch(grouped: DataFrame, spec: ChangeSpec, stats: Any) -> None:
    problems = []
    null_keys = {key: int(stats[f"null_{i}"] or 0) for i, key in enumerate(spec.keys)}
    for key, count in null_keys.items():
        if count:
            problems.append(f"key column '{key}' has {count} NULL value(s)")
    null_sequences = int(stats["null_seq"] or 0)
    if null_sequences:
        problems.append(f"sequence_by '{spec.sequence_label}' is NULL in {null_sequences} row(s)")
    if problems:
        raise MergeInputError(
            "; ".join(problems) + "; every change needs a key and a sequence (nothing was written)"
        )
    conflicts = int(stats["conflicts"] or 0)
    if conflicts:
        examples = describe_examples(
            grouped.where(F.col(LOW_HASH) != F.col(HIGH_HASH)).select(*spec.keys, SEQ), spec
        )
        raise MergeInputError(
            f"{conflicts} key(s) have different upserts at the same sequence "
            f"'{spec.sequence_label}' (for example {examples}); give each change its own "
            "sequence (a struct can break ties) or deduplicate the source (nothing was written)"
        )


def describe_examples(events: DataFrame, spec: ChangeSpec) -> str:
    """The first few of ``events`` (keys and ``SEQ``) as ``id=1 at ts=5; ...``."""
    rows = events.orderBy(*spec.keys, SEQ).limit(_EXAMPLES).collect()
    return "; ".join(describe_event(row, spec) for row in rows)


def describe_event(row: Any, spec: ChangeSpec) -> str:
    """``id=1 at ts=5`` for messages."""
    keys = ", ".join(f"{key}={row[key]!r}" for key in spec.keys)
    return f"{keys} at {spec.sequence_label}={row[SEQ]!r}"


def orderable(data_type: DataType) -> bool:
    """Whether Spark can sort values of ``data_type`` (maps and variants it cannot)."""
    if isinstance(data_type, MapType):
        return False
    if isinstance(data_type, StructType):
        return all(orderable(field.dataType) for field in data_type.fields)
    if isinstance(data_type, ArrayType):
        return orderable(data_type.elementType)
    return data_type.typeName() != "variant"
