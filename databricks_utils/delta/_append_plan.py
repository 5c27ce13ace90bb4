"""Insert-only MERGE of a batch deduplicated by key."""

from __future__ import annotations

import functools

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from databricks_utils.delta._dedup_plan import first_per_key
from databricks_utils.delta._setup import session_for
from databricks_utils.delta._target import case_sensitive, resolve_target
from databricks_utils.delta.columns import ColumnResolver, backticked, quoted
from databricks_utils.delta.errors import MergeInputError
from databricks_utils.delta.result import MergeResult


def run_append(
    target: object,
    source: DataFrame,
    keys: list[str],
    merge_schema: bool,
    spark: SparkSession | None,
) -> MergeResult:
    session = session_for(source, spark)
    resolver = ColumnResolver(source.columns, case_sensitive=case_sensitive(session), what="source")
    key_columns = resolver.resolve(keys, argument="keys")
    table = resolve_target(target, session)
    rows = first_per_key(source, key_columns)
    if not table.exists:
        rows = rows.cache()
        try:
            inserted = rows.count()
            return MergeResult(inserted, 0, 0, table.create(rows))
        finally:
            rows.unpersist()
    assert table.table is not None
    existing = ColumnResolver(
        table.dataframe().columns, case_sensitive=False, what=f"target {table.label}"
    )
    unknown = [c for c in source.columns if existing.find(c) is None]
    if unknown and not merge_schema:
        raise MergeInputError(
            f"source column(s) {quoted(unknown)} are not in target {table.label}; add them "
            "to the target, drop them from the source, or pass merge_schema=True"
        )
    condition = functools.reduce(
        lambda a, b: a & b,
        [F.col(f"t.{backticked(k)}").eqNullSafe(F.col(f"s.{backticked(k)}")) for k in key_columns],
    )
    values: dict[str, str | Column] = {
        backticked(c): F.col(f"s.{backticked(c)}") for c in source.columns
    }
    builder = (
        table.table.alias("t").merge(rows.alias("s"), condition).whenNotMatchedInsert(values=values)
    )
    if merge_schema:
        builder = builder.withSchemaEvolution()
    metrics = builder.execute().head()
    inserted = int(metrics["num_inserted_rows"]) if metrics is not None else 0
    return MergeResult(inserted, 0, 0, table.latest_version() if inserted else None)
