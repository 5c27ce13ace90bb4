"""The direct plan of ``scd2_merge``: the batch goes straight into one MERGE, no pre-join.

It applies when each key has one event after everything stored for it, with the default
storage (absorbed sequences kept, NULLs not ignored, no schema evolution); no job of our own
runs. The MERGE source checks that the batch has one event per key and no NULL key or
sequence while Delta materializes it (it does for any source with a window), so before any
file is written; with Delta's ``merge.materializeSource=none``, during the MERGE's passes,
still before the commit. Each upsert is staged twice: a closing row matches the key's open
version when its tracked values differ (or the event deletes) and closes it; an opening row
matches the open version when they are equal and extends it, and is inserted as a new
version when nothing matches. The MERGE thus reads the target only for its own two passes.

An event not after a stored version of its key (in the MERGE condition, so before any file
is written) or a delete without an open version (when inserting) stops the MERGE before it
commits. Every check fails through ``raise_error`` carrying ``NOT_IN_ORDER``, and the
caller then plans the batch again.
"""

from __future__ import annotations

import functools

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType

from databricks_utils.delta import _sql as sql
from databricks_utils.delta._changes import DELETE, SEQ, ChangeSpec
from databricks_utils.delta._scd2_in_order import NOT_IN_ORDER, in_order_result
from databricks_utils.delta._scd2_plan import Scd2Options, stored_sequences
from databricks_utils.delta._sql import Sql
from databricks_utils.delta._target import Target
from databricks_utils.delta.columns import INTERNAL_PREFIX, backticked
from databricks_utils.delta.result import MergeResult

EVENTS = f"{INTERNAL_PREFIX}events"
OPENS = f"{INTERNAL_PREFIX}opens"


def takes_direct_plan(options: Scd2Options) -> bool:
    """Whether the options leave the open version enough to decide every write."""
    # An ignored NULL needs the open version's value in the inserted row, which a MERGE
    # insert cannot read; without absorbed sequences an unchanged event writes nothing but
    # still matches, and the MERGE would commit an empty rewrite; schema evolution adds
    # columns the condition would compare with before they exist.
    return (
        options.sequences is not None
        and not options.ignore_null_updates
        and not options.merge_schema
    )


def run_direct(
    target: Target, events: DataFrame, spec: ChangeSpec, options: Scd2Options
) -> MergeResult | None:
    """The direct plan's result, or ``None`` (nothing written) when the batch has several
    events for a key, a NULL key or sequence, or does not follow the stored history."""
    merge = (
        target.merge(_condition(spec, options))
        .when_matched_update(_updated(spec, options))
        .when_not_matched_insert(_opened(spec, options), sql.source(OPENS) | sql.source(DELETE))
    )
    return in_order_result(target, lambda: merge.execute(_staged(events, spec)))


def _staged(events: DataFrame, spec: ChangeSpec) -> DataFrame:
    """One closing row per event, and an opening row per upsert; computing it fails with
    ``NOT_IN_ORDER`` when a key has several events or a NULL key or sequence."""
    closing, opening = F.lit(False), F.lit(True)
    opens = F.when(F.col(DELETE), F.array(closing)).otherwise(F.array(closing, opening))
    return _checked(events, spec).withColumn(OPENS, F.explode(opens))


def _checked(events: DataFrame, spec: ChangeSpec) -> DataFrame:
    keys = [F.col(backticked(k)) for k in spec.keys]
    unusable = functools.reduce(
        lambda a, b: a | b,
        [F.col(EVENTS) > 1, F.col(SEQ).isNull(), *[k.isNull() for k in keys]],
    )
    return (
        events.withColumn(EVENTS, F.count(F.lit(1)).over(Window.partitionBy(*keys)))
        .where(F.when(unusable, F.raise_error(F.lit(NOT_IN_ORDER))).isNull())
        .drop(EVENTS)
    )


def _condition(spec: ChangeSpec, options: Scd2Options) -> Sql:
    keys = sql.keys_match(spec.keys)
    reach = sql.call(
        "greatest",
        sql.target(options.valid_from),
        sql.target(options.valid_to),
        sql.call("array_max", sql.target(_sequences(options))),
    )
    # An opening row matches an open version with the same tracked values (it never
    # deletes); a closing row one that differs, or any when it deletes.
    unchanged_upsert = _same_tracked(options) & ~sql.source(DELETE)
    matches = sql.target(options.valid_to).is_null() & (sql.source(OPENS) == unchanged_upsert)
    late = sql.source(SEQ) <= reach
    return keys & sql.when(late, sql.raise_error(NOT_IN_ORDER)).otherwise(matches)


def _same_tracked(options: Scd2Options) -> Sql:
    return sql.all_of(sql.source(c).eq_null_safe(sql.target(c)) for c in options.tracked)


def _sequences(options: Scd2Options) -> str:
    assert options.sequences is not None
    return options.sequences


def _absorbed(options: Scd2Options) -> Sql:
    start = sql.call("array", sql.target(options.valid_from))
    return sql.call("coalesce", sql.target(_sequences(options)), start)


def _updated(spec: ChangeSpec, options: Scd2Options) -> dict[str, Sql]:
    """The open version closed by a closing row, or extended by an opening row (one
    unconditional clause: each clause adds a test per row to the MERGE's rewrite)."""
    extends = sql.source(OPENS)
    absorbed = _absorbed(options)
    values = {c: sql.when(extends, sql.source(c)).otherwise(sql.target(c)) for c in spec.payload}
    values[options.valid_to] = sql.when(extends, sql.target(options.valid_to)).otherwise(
        sql.source(SEQ)
    )
    values[_sequences(options)] = sql.when(
        extends, sql.call("concat", absorbed, sql.call("array", sql.source(SEQ)))
    ).otherwise(stored_sequences(absorbed, sql.target(options.valid_from)))
    if options.current_flag:
        values[options.current_flag] = extends
    return values


def _opened(spec: ChangeSpec, options: Scd2Options) -> dict[str, Sql]:
    """A new version from an opening row; a closing row of a delete gets here only when
    its key has no open version, which raises ``NOT_IN_ORDER``."""
    values = {c: sql.source(c) for c in spec.stored}
    first_key = spec.keys[0]
    values[first_key] = sql.when(sql.source(DELETE), sql.raise_error(NOT_IN_ORDER)).otherwise(
        sql.source(first_key)
    )
    values[options.valid_from] = sql.source(SEQ)
    values[options.valid_to] = sql.lit(None).cast(spec.sequence_type)
    values[_sequences(options)] = sql.lit(None).cast(ArrayType(spec.sequence_type))
    if options.current_flag:
        values[options.current_flag] = sql.lit(True)
    return values
