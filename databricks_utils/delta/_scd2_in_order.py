"""The pre-joined in-order plan of ``scd2_merge``: one event per key, after everything stored
for it, with the options the direct plan (``_scd2_direct``) cannot serve: ignored NULLs,
no absorbed sequences, schema evolution.

The MERGE source is the batch joined with each key's latest stored version, left for Delta
to compute once inside the MERGE (no job of our own): the event extends the open version,
closes it, or opens a new one. A key whose event does not come after its history (a late
or replayed event) or that deletes with no open version stops the MERGE before it writes,
through ``raise_error`` carrying ``NOT_IN_ORDER``; the caller then runs the general plan.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from databricks_utils.delta._changes import DELETE, SEQ, ChangeBatch
from databricks_utils.delta._scd2_plan import (
    ACTION,
    BROADCAST_ROWS,
    END,
    MATCH,
    SEQUENCES,
    START,
    Scd2Options,
    equal_versions,
    reaching_batch,
    version_columns,
)
from databricks_utils.delta._target import Target
from databricks_utils.delta.columns import INTERNAL_PREFIX, backticked
from databricks_utils.delta.result import MergeResult

NOT_IN_ORDER = (
    "databricks_utils scd2_merge: the batch does not follow the stored history (late, "
    "replayed or stray-delete events); it is planned again with the general plan, nothing "
    "was written"
)
EVENT = f"{INTERNAL_PREFIX}event"
LATEST = f"{INTERNAL_PREFIX}latest"
WRITE = f"{INTERNAL_PREFIX}write"


def in_order_result(target: Target, merge: Callable[[], dict[str, int]]) -> MergeResult | None:
    """What an in-order plan's ``merge`` wrote (rows by action), or ``None`` when it stopped
    on ``NOT_IN_ORDER`` with nothing written."""
    try:
        counts = merge()
    except Exception as error:
        if NOT_IN_ORDER in str(error):
            return None
        raise
    if not any(counts.values()):
        return MergeResult(0, 0, 0, None, 0)
    return MergeResult(
        inserted=counts["insert"],
        updated=counts["update"],
        deleted=counts["delete"],
        version=target.latest_version(),
        ignored_deletes=0,
    )


def in_order_writes(target: Target, batch: ChangeBatch, options: Scd2Options) -> DataFrame:
    """The rows to write when each key has one event after its history, with the same
    columns as the general plan's; evaluating it raises ``NOT_IN_ORDER`` otherwise."""
    spec = batch.spec
    # A key whose versions all end before the batch reads as new: its upsert opens a
    # version either way, and its delete (no open version) takes the general plan.
    rows = reaching_batch(target.dataframe(), batch, options)
    keys = batch.events.select(*spec.keys)
    if batch.count <= BROADCAST_ROWS:
        keys = F.broadcast(keys)
    stored = version_columns(rows.join(keys, on=spec.keys, how="left_semi"), batch, options)
    payload = [backticked(c) for c in spec.payload]
    events = batch.events.select(*spec.keys, F.struct(SEQ, DELETE, *payload).alias(EVENT))
    versions = stored.select(*spec.keys, F.struct(START, END, *payload, SEQUENCES).alias(LATEST))
    per_key = (
        events.unionByName(versions, allowMissingColumns=True)
        .groupBy(*spec.keys)
        .agg(
            F.first(EVENT, ignorenulls=True).alias(EVENT),
            F.max_by(LATEST, F.col(f"{LATEST}.{START}")).alias(LATEST),
        )
    )
    return _writes(per_key, batch, options)


def _writes(per_key: DataFrame, batch: ChangeBatch, options: Scd2Options) -> DataFrame:
    spec = batch.spec

    def event(field: str) -> Column:
        return F.col(f"{EVENT}.{backticked(field)}")

    def latest(field: str) -> Column:
        return F.col(f"{LATEST}.{backticked(field)}")

    is_open = F.col(LATEST).isNotNull() & latest(END).isNull()
    reach = F.greatest(latest(START), latest(END), F.array_max(latest(SEQUENCES)))
    late = F.col(LATEST).isNotNull() & (event(SEQ) <= reach)
    stray_delete = event(DELETE) & ~is_open
    guard = F.when(late | stray_delete, F.raise_error(F.lit(NOT_IN_ORDER)))

    def value(column: str) -> Column:
        if not options.ignore_null_updates or column == spec.sequence_column:
            return event(column)
        return F.when(is_open, F.coalesce(event(column), latest(column))).otherwise(event(column))

    same = functools.reduce(
        lambda a, b: a & b,
        [value(c).eqNullSafe(latest(c)) for c in options.tracked],
        F.lit(True),
    )
    extends = is_open & ~event(DELETE) & same
    closes = is_open & ~extends
    old = F.struct(
        latest(END).alias(END),
        *[latest(c).alias(c) for c in spec.payload],
        latest(SEQUENCES).alias(SEQUENCES),
    )
    kept = F.struct(
        F.when(closes, event(SEQ)).alias(END),
        *[F.when(extends, value(c)).otherwise(latest(c)).alias(c) for c in spec.payload],
        F.when(extends, F.concat(latest(SEQUENCES), F.array(event(SEQ))))
        .otherwise(latest(SEQUENCES))
        .alias(SEQUENCES),
    )
    opened = F.struct(
        F.lit(None).cast(spec.sequence_type).alias(END),
        *[value(c).alias(c) for c in spec.payload],
        F.array(event(SEQ)).alias(SEQUENCES),
    )

    def write(start: Column, match: Column, action: Column, values: Column) -> Column:
        return F.struct(
            start.alias(START), match.alias(MATCH), action.alias(ACTION), values.alias("values")
        )

    changed = is_open & ~equal_versions(kept, old, spec, options)
    rows = F.array(
        write(latest(START), latest(START), F.when(changed, F.lit("update")), kept),
        write(
            event(SEQ),
            F.lit(None).cast(spec.sequence_type),
            F.when(~event(DELETE) & ~extends, F.lit("insert")),
            opened,
        ),
    )
    written = (
        per_key.where(guard.isNull())
        .select(*spec.keys, F.explode(rows).alias(WRITE))
        .where(F.col(f"{WRITE}.{ACTION}").isNotNull())
    )
    return written.select(
        *spec.keys,
        F.col(f"{WRITE}.{START}").alias(START),
        F.col(f"{WRITE}.{MATCH}").alias(MATCH),
        F.col(f"{WRITE}.{ACTION}").alias(ACTION),
        F.col(f"{WRITE}.values.{END}").alias(END),
        *[F.col(f"{WRITE}.values.{backticked(c)}").alias(c) for c in spec.payload],
        F.col(f"{WRITE}.values.{SEQUENCES}").alias(SEQUENCES),
    )
