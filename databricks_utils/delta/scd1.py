"""``scd1_merge``: one row per key with the latest values (AUTO CDC SCD type 1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from databricks_utils.delta.columns import SEQUENCE_COLUMN, as_name_list
from databricks_utils.delta.result import MergeResult

if TYPE_CHECKING:
    from delta.tables import DeltaTable
    from pyspark.sql import Column, DataFrame, SparkSession


def scd1_merge(
    target: str | DeltaTable,
    source: DataFrame,
    keys: str | Iterable[str],
    sequence_by: str | Column,
    *,
    delete_when: str | Column | None = None,
    ignore_null_updates: bool = False,
    except_columns: Iterable[str] | None = None,
    merge_schema: bool = False,
    spark: SparkSession | None = None,
) -> MergeResult:
    """Upsert the latest event per key; older events than the stored one are discarded.

    The batch is reduced to each key's latest event (a delete wins over an upsert at the
    same sequence), which one MERGE applies only when it is newer than the stored row:
    upserts update or insert, deletes remove the row. The stored sequence is the
    ``sequence_by`` column when it is a stored column, else a ``__SEQUENCE`` column.
    Replaying a batch changes nothing. A deleted key leaves no trace, so an upsert older
    than the delete arriving later brings the key back.

    Args:
        target: a table name (created by the first call when missing) or a ``DeltaTable``.
        source: the change events.
        keys: the key column or columns.
        sequence_by: the column or expression ordering the events.
        delete_when: a SQL condition or Column marking delete events.
        ignore_null_updates: a NULL keeps the previous value (from earlier events of the
            batch, else from the stored row).
        except_columns: source columns not stored in the target.
        merge_schema: add source columns the target lacks instead of refusing them.
        spark: the session; default: the source's.

    Returns:
        Rows inserted, updated and deleted, and the committed version (``None`` when
        nothing changed).

    Raises:
        MergeInputError: before anything is written, for NULL keys or sequences, missing
            columns, different upserts at the same key and sequence, or schema mismatches.

    Example:
        >>> from databricks_utils.delta import scd1_merge
        >>> changes = spark.createDataFrame(
        ...     [(1, "Paris", 10, "U"), (1, "Lyon", 20, "U"), (2, "Rome", 10, "D")],
        ...     "id INT, city STRING, seq INT, op STRING",
        ... )  # doctest: +SKIP
        >>> scd1_merge("silver.customers_latest", changes, "id", "seq",
        ...            delete_when="op = 'D'", except_columns=["op"])  # doctest: +SKIP
        MergeResult(inserted=1, updated=0, deleted=0, version=0, ignored_deletes=1)
    """
    from databricks_utils.delta._changes import change_events, collect_batch
    from databricks_utils.delta._scd1_plan import run_scd1
    from databricks_utils.delta._setup import prepare

    setup = prepare(
        target,
        source,
        as_name_list(keys, argument="keys"),
        sequence_by,
        as_name_list(except_columns, argument="except_columns"),
        reserved=[SEQUENCE_COLUMN],
        spark=spark,
    )
    events = change_events(source, setup.spec, setup.sequence, delete_when)
    batch = collect_batch(events, setup.spec)
    try:
        return run_scd1(setup.target, batch, ignore_null_updates, merge_schema)
    finally:
        batch.release()
