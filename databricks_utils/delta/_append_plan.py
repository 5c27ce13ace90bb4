"""Insert-only MERGE of a batch deduplicated by key."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from databricks_utils.delta._dedup_plan import first_per_key
from databricks_utils.delta._materialize import materialized
from databricks_utils.delta._setup import session_for
from databricks_utils.delta._sql import all_of, source, target
from databricks_utils.delta._target import case_sensitive, resolve_target
from databricks_utils.delta.columns import ColumnResolver, quoted
from databricks_utils.delta.errors import MergeInputError
from databricks_utils.delta.result import MergeResult


def run_append(
    destination: object,
    rows: DataFrame,
    keys: list[str],
    merge_schema: bool,
    spark: SparkSession | None,
) -> MergeResult:
    session = session_for(rows, spark)
    resolver = ColumnResolver(rows.columns, case_sensitive=case_sensitive(session), what="source")
    key_columns = resolver.resolve(keys, argument="keys")
    table = resolve_target(destination, session)
    batch = first_per_key(rows, key_columns)
    if not table.exists:
        with materialized(batch) as new_rows:
            inserted = new_rows.count()
            return MergeResult(inserted, 0, 0, table.create(new_rows))
    existing = ColumnResolver(
        table.dataframe().columns, case_sensitive=False, what=f"target {table.label}"
    )
    unknown = [c for c in rows.columns if existing.find(c) is None]
    if unknown and not merge_schema:
        raise MergeInputError(
            f"source column(s) {quoted(unknown)} are not in target {table.label}; add them "
            "to the target, drop them from the source, or pass merge_schema=True"
        )
    condition = all_of(target(k).eq_null_safe(source(k)) for k in key_columns)
    merge = table.merge(condition).when_not_matched_insert({c: source(c) for c in rows.columns})
    counts = merge.with_schema_evolution(merge_schema).execute(batch)
    return MergeResult(counts["insert"], 0, 0, table.committed_version(counts))
