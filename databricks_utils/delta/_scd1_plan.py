"""SCD type 1: each key's latest event, applied by one MERGE when newer than the stored row."""

from __future__ import annotations

import functools

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from databricks_utils.delta._changes import DELETE, SEQ, ChangeBatch, ChangeSpec
from databricks_utils.delta._schema import check_same_columns, target_columns
from databricks_utils.delta._target import Target
from databricks_utils.delta.columns import INTERNAL_PREFIX, SEQUENCE_COLUMN, backticked
from databricks_utils.delta.errors import MergeInputError
from databricks_utils.delta.result import MergeResult

LAST_DELETE = f"{INTERNAL_PREFIX}last_delete"
STORED = f"{INTERNAL_PREFIX}stored"


def run_scd1(
    target: Target, batch: ChangeBatch, ignore_null_updates: bool, merge_schema: bool
) -> MergeResult:
    spec = batch.spec
    stored_sequence = spec.sequence_column or SEQUENCE_COLUMN
    if target.exists:
        maintained = [] if spec.sequence_column else [SEQUENCE_COLUMN]
        if target_columns(target).find(stored_sequence) is None:
            raise MergeInputError(
                f"target {target.label} has no '{stored_sequence}' column holding each row's "
                "sequence, so older events could not be told from newer ones"
            )
        check_same_columns(target, spec, maintained, merge_schema)
    latest = _latest_per_key(batch, ignore_null_updates).localCheckpoint()
    try:
        counts = {
            bool(row[DELETE]): int(row["count"]) for row in latest.groupBy(DELETE).count().collect()
        }
        deletes, upserts = counts.get(True, 0), counts.get(False, 0)
        if not target.exists:
            rows = latest.where(~F.col(DELETE)).select(*_values(spec, "", stored_sequence))
            version = target.create(rows)
            return MergeResult(upserts, 0, 0, version, ignored_deletes=deletes)
        applicable = _newer_than_stored(target, latest, spec, stored_sequence).localCheckpoint()
        try:
            if applicable.isEmpty():
                return MergeResult(0, 0, 0, None, ignored_deletes=deletes)
            metrics = _merge(
                target,
                latest=applicable,
                spec=spec,
                stored_sequence=stored_sequence,
                ignore_null_updates=ignore_null_updates,
                merge_schema=merge_schema,
            )
        finally:
            applicable.unpersist()
        inserted, updated, deleted = (
            int(metrics["num_inserted_rows"]),
            int(metrics["num_updated_rows"]),
            int(metrics["num_deleted_rows"]),
        )
        changed = inserted or updated or deleted
        return MergeResult(
            inserted,
            updated,
            deleted,
            target.latest_version() if changed else None,
            ignored_deletes=deletes - deleted,
        )
    finally:
        latest.unpersist()


def _newer_than_stored(
    target: Target, latest: DataFrame, spec: ChangeSpec, stored_sequence: str
) -> DataFrame:
    """The latest events that change the target: new keys' upserts, and events newer than
    the stored row (a delete also at the same sequence). Empty means nothing to commit."""
    stored = target.dataframe().select(
        *[F.col(backticked(k)).alias(k) for k in spec.keys],
        F.col(backticked(stored_sequence)).alias(STORED),
    )
    current = latest.join(stored, on=spec.keys, how="left")
    incoming, is_delete, held = F.col(SEQ), F.col(DELETE), F.col(STORED)
    changes = (held.isNull() & ~is_delete) | (
        held.isNotNull() & ((is_delete & (incoming >= held)) | (~is_delete & (incoming > held)))
    )
    return current.where(changes).drop(STORED)


def _latest_per_key(batch: ChangeBatch, ignore_null_updates: bool) -> DataFrame:
    """Each key's latest event; with ``ignore_null_updates`` its NULLs are filled from the
    batch's earlier upserts after the key's last delete."""
    spec = batch.spec
    events = batch.events.withColumn(
        LAST_DELETE,
        F.max(F.when(F.col(DELETE), F.col(SEQ))).over(Window.partitionBy(*spec.keys)),
    )
    latest = F.max_by(F.struct(F.col(DELETE), *[F.col(backticked(c)) for c in spec.payload]), SEQ)
    values: list[Column] = []
    for column in spec.payload:
        if ignore_null_updates and column != spec.sequence_column:
            usable = (
                F.col(backticked(column)).isNotNull()
                & ~F.col(DELETE)
                & (F.col(LAST_DELETE).isNull() | (F.col(SEQ) > F.col(LAST_DELETE)))
            )
            values.append(F.max_by(backticked(column), F.when(usable, F.col(SEQ))).alias(column))
        else:
            values.append(latest[column].alias(column))
    return events.groupBy(*spec.keys).agg(
        F.max(SEQ).alias(SEQ),
        latest[DELETE].alias(DELETE),
        F.max(LAST_DELETE).alias(LAST_DELETE),
        *values,
    )


def _values(spec: ChangeSpec, prefix: str, stored_sequence: str) -> list[Column]:
    values = [F.col(f"{prefix}{backticked(c)}").alias(c) for c in spec.columns]
    if stored_sequence == SEQUENCE_COLUMN:
        values.append(F.col(f"{prefix}{SEQ}").alias(SEQUENCE_COLUMN))
    return values


def _merge(
    target: Target,
    *,
    latest: DataFrame,
    spec: ChangeSpec,
    stored_sequence: str,
    ignore_null_updates: bool,
    merge_schema: bool,
) -> dict[str, int]:
    assert target.table is not None
    condition = functools.reduce(
        lambda a, b: a & b,
        [F.col(f"t.{backticked(k)}") == F.col(f"s.{backticked(k)}") for k in spec.keys],
    )
    stored = F.col(f"t.{backticked(stored_sequence)}")
    incoming, is_delete = F.col(f"s.{SEQ}"), F.col(f"s.{DELETE}")
    inserts: dict[str, str | Column] = {
        backticked(c): F.col(f"s.{backticked(c)}") for c in spec.columns
    }
    if stored_sequence == SEQUENCE_COLUMN:
        inserts[SEQUENCE_COLUMN] = incoming
    updates = dict(inserts)
    if ignore_null_updates:
        deleted_since = F.col(f"s.{LAST_DELETE}") > stored
        for column in spec.payload:
            if column != spec.sequence_column:
                new, old = F.col(f"s.{backticked(column)}"), F.col(f"t.{backticked(column)}")
                updates[backticked(column)] = F.when(deleted_since, new).otherwise(
                    F.coalesce(new, old)
                )
    builder = (
        target.table.alias("t")
        .merge(latest.alias("s"), condition)
        .whenMatchedDelete(condition=is_delete & (incoming >= stored))
        .whenMatchedUpdate(condition=~is_delete & (incoming > stored), set=updates)
        .whenNotMatchedInsert(condition=~is_delete, values=inserts)
    )
    if merge_schema:
        builder = builder.withSchemaEvolution()
    row = builder.execute().head()
    return row.asDict() if row is not None else {}
