"""Computing a DataFrame once for the several actions a merge takes on it.

On classic Spark a local checkpoint holds the rows (and cuts the lineage). On Spark Connect
the plan itself is kept and each action computes it again: Databricks serverless refuses
caching, so the merges keep one path that holds there.

Example:
    >>> with materialized(batch) as rows:  # doctest: +SKIP
    ...     total, sample = rows.count(), rows.take(5)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pyspark.sql import DataFrame

from databricks_utils.session.runtime import is_spark_connect


def checkpoint(df: DataFrame) -> DataFrame:
    """``df`` computed once where the session allows it; give it to ``release`` when done."""
    return df if is_spark_connect(df.sparkSession) else df.localCheckpoint()


def release(df: DataFrame) -> None:
    """Free what ``checkpoint`` held (nothing on Spark Connect)."""
    if not is_spark_connect(df.sparkSession):
        df.unpersist()


@contextmanager
def materialized(df: DataFrame) -> Iterator[DataFrame]:
    """``checkpoint(df)`` for the ``with`` block, released on exit."""
    rows = checkpoint(df)
    try:
        yield rows
    finally:
        release(rows)
