"""SCD type 1: each key's latest event, applied by one MERGE when newer than the stored row."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from databricks_utils.delta import _sql as sql
from databricks_utils.delta._changes import DELETE, SEQ, ChangeBatch, ChangeSpec
from databricks_utils.delta._materialize import materialized
from databricks_utils.delta._merge_statement import MergeCounts
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
    with materialized(_latest_per_key(batch, ignore_null_updates)) as latest:
        counts = {
            bool(row[DELETE]): int(row["count"]) for row in latest.groupBy(DELETE).count().collect()
        }
        deletes, upserts = counts.get(True, 0), counts.get(False, 0)
        if not target.exists:
            rows = latest.where(~F.col(DELETE)).select(*_values(spec, "", stored_sequence))
            version = target.create(rows)
            return MergeResult(upserts, 0, 0, version, ignored_deletes=deletes)
        with materialized(_newer_than_stored(target, latest, spec, stored_sequence)) as applicable:
            if applicable.isEmpty():
                return MergeResult(0, 0, 0, None, ignored_deletes=deletes)
            written = _merge(
                target,
                latest=applicable,
                spec=spec,
                stored_sequence=stored_sequence,
                ignore_null_updates=ignore_null_updates,
                merge_schema=merge_schema,
            )
        return MergeResult(
            written["insert"],
            written["update"],
            written["delete"],
            target.committed_version(written),
            ignored_deletes=deletes - written["delete"],
        )


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
) -> MergeCounts:
    condition = sql.keys_match(spec.keys)
    stored = sql.target(stored_sequence)
    incoming, is_delete = sql.source(SEQ), sql.source(DELETE)
    inserts = {c: sql.source(c) for c in spec.columns}
    if stored_sequence == SEQUENCE_COLUMN:
        inserts[SEQUENCE_COLUMN] = incoming
    updates = dict(inserts)
    if ignore_null_updates:
        deleted_since = sql.source(LAST_DELETE) > stored
        for column in spec.payload:
            if column != spec.sequence_column:
                new, old = sql.source(column), sql.target(column)
                updates[column] = sql.when(deleted_since, new).otherwise(
                    sql.call("coalesce", new, old)
                )
    merge = (
        target.merge(condition)
        .when_matched_delete(is_delete & (incoming >= stored))
        .when_matched_update(updates, ~is_delete & (incoming > stored))
        .when_not_matched_insert(inserts, ~is_delete)
    )
    return merge.with_schema_evolution(merge_schema).execute(latest)
