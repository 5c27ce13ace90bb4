"""One row per key: ``row_number()`` over the key, ordered by the ordering, then the row.

Spark (3.5+) plans ``row_number() = 1`` as a WindowGroupLimit, which keeps one row per key
before and after the shuffle; measured faster than ``max(struct(ordering, row))``: Spark 4
hashes an aggregate only over fixed-width primitive buffers, so a struct buffer makes it a
SortAggregate (``benchmarks/scd2.py`` prints the operators).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, MapType

from databricks_utils.delta._changes import orderable
from databricks_utils.delta._target import case_sensitive
from databricks_utils.delta.columns import INTERNAL_PREFIX, ColumnResolver, backticked
from databricks_utils.delta.errors import MergeInputError

RANK = f"{INTERNAL_PREFIX}rank"


def latest_per_key(
    df: DataFrame, keys: list[str], order_by: list[str | Column], keep: str
) -> DataFrame:
    if not isinstance(df, DataFrame):
        raise MergeInputError(f"df: expected a DataFrame, got {type(df).__name__}")
    resolver = ColumnResolver(
        df.columns, case_sensitive=case_sensitive(df.sparkSession), what="DataFrame"
    )
    key_columns = resolver.resolve(keys, argument="keys")
    named = [o for o in order_by if isinstance(o, str)]
    ordering_columns = resolver.resolve(named, argument="order_by")
    resolved = iter(ordering_columns)
    order = [F.col(backticked(next(resolved))) if isinstance(o, str) else o for o in order_by]
    rest = [c for c in df.columns if c not in key_columns and c not in ordering_columns]
    ties = [_comparable(F.col(backticked(c)), df.schema[c].dataType) for c in rest]
    # NULL orderings lose either way; plain columns keep Spark's prefix sort.
    if keep == "last":
        ordering = [o.desc_nulls_last() for o in order] + [t.desc_nulls_last() for t in ties]
    else:
        ordering = [o.asc_nulls_last() for o in order] + [t.asc_nulls_first() for t in ties]
    by_key = Window.partitionBy(*[F.col(backticked(k)) for k in key_columns]).orderBy(*ordering)
    return df.withColumn(RANK, F.row_number().over(by_key)).where(F.col(RANK) == 1).drop(RANK)


def _comparable(column: Column, data_type: DataType) -> Column:
    """An orderable stand-in for a column: a map becomes its sorted entries, or its JSON."""
    if orderable(data_type):
        return column
    if (
        isinstance(data_type, MapType)
        and orderable(data_type.keyType)
        and orderable(data_type.valueType)
    ):
        return F.array_sort(F.map_entries(column))
    return F.to_json(column)


def first_per_key(df: DataFrame, keys: list[str]) -> DataFrame:
    """One row per key, the lowest by value (deterministic); NULL keys group together."""
    rest = [c for c in df.columns if c not in keys]
    if not rest:
        return df.dropDuplicates(keys)
    return latest_per_key(df, keys, [], "first")
