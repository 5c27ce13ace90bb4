"""``append_new``: insert only rows whose keys the target does not hold yet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from databricks_utils.delta.columns import as_name_list
from databricks_utils.delta.errors import MergeInputError
from databricks_utils.delta.result import MergeResult

if TYPE_CHECKING:
    from delta.tables import DeltaTable
    from pyspark.sql import DataFrame, SparkSession


def append_new(
    target: str | DeltaTable,
    source: DataFrame,
    keys: str | Iterable[str],
    *,
    merge_schema: bool = False,
    spark: SparkSession | None = None,
) -> MergeResult:
    """Append the rows of ``source`` whose keys are not in ``target``; re-running adds nothing.

    The batch is first reduced to one row per key (the same row every time: the lowest by
    value), then one insert-only MERGE adds the new keys. Keys compare null-safely, so a
    row whose key is NULL is added once. Target columns the source lacks are left NULL.

    Args:
        target: a table name (created by the first call when missing) or a ``DeltaTable``.
        source: the rows to append.
        keys: the key column or columns.
        merge_schema: add source columns the target lacks instead of refusing them.
        spark: the session; default: the source's.

    Returns:
        ``inserted`` rows and the committed version (``None`` when nothing was new).

    Example:
        >>> from databricks_utils.delta import append_new
        >>> append_new("bronze.events", batch, keys=["source", "event_id"])  # doctest: +SKIP
        MergeResult(inserted=980, updated=0, deleted=0, version=4, ignored_deletes=0)
        >>> append_new("bronze.events", batch, keys=["source", "event_id"])  # doctest: +SKIP
        MergeResult(inserted=0, updated=0, deleted=0, version=None, ignored_deletes=0)
    """
    from databricks_utils.delta._append_plan import run_append

    key_names = as_name_list(keys, argument="keys")
    if not key_names:
        raise MergeInputError("keys: give at least one key column")
    return run_append(target, source, key_names, merge_schema, spark)
