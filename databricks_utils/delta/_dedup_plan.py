"""One row per key with a single aggregate: ``max(struct(ordering, row))``."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, MapType

from databricks_utils.delta._changes import orderable
from databricks_utils.delta._target import case_sensitive
from databricks_utils.delta.columns import INTERNAL_PREFIX, ColumnResolver, backticked
from databricks_utils.delta.errors import MergeInputError

ORDER = f"{INTERNAL_PREFIX}order"
ROW = f"{INTERNAL_PREFIX}row"
TIE = f"{INTERNAL_PREFIX}tie"


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
    resolved = iter(resolver.resolve(named, argument="order_by"))
    order = [F.col(backticked(next(resolved))) if isinstance(o, str) else o for o in order_by]
    rest = [c for c in df.columns if c not in key_columns]
    row = F.struct(*[F.col(backticked(c)) for c in rest])
    ranked = [_nulls_lose(c, keep).alias(f"{ORDER}{i}") for i, c in enumerate(order)]
    if all(orderable(df.schema[c].dataType) for c in rest):
        best = F.max if keep == "last" else F.min
        picked = best(F.struct(*ranked, row.alias(ROW)))[ROW]
    else:
        pick = F.max_by if keep == "last" else F.min_by
        tie = F.struct(*[_comparable(F.col(backticked(c)), df.schema[c].dataType) for c in rest])
        picked = pick(row, F.struct(*ranked, tie.alias(TIE)))
    chosen = df.groupBy(*[F.col(backticked(k)) for k in key_columns]).agg(picked.alias(ROW))
    return chosen.select(
        *[
            F.col(backticked(c)) if c in key_columns else F.col(f"{ROW}.{backticked(c)}").alias(c)
            for c in df.columns
        ]
    )


def _nulls_lose(column: Column, keep: str) -> Column:
    """Rank NULL orderings below any value for "last" and above any for "first"."""
    flag = column.isNotNull() if keep == "last" else column.isNull()
    return F.struct(flag.alias("present"), column.alias("value"))


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
    return latest_per_key(df, keys, [F.lit(0)], "first")
