"""``deduplicate``: one row per key, chosen by an ordering, deterministically."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from databricks_utils.delta.columns import as_name_list
from databricks_utils.delta.errors import MergeInputError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def deduplicate(
    df: DataFrame,
    keys: str | Iterable[str],
    order_by: str | Column | Iterable[str | Column],
    *,
    keep: Literal["last", "first"] = "last",
) -> DataFrame:
    """Keep one row per key: the one with the highest ``order_by`` (``keep="first"``: lowest).

    Ties on ``order_by`` are broken by the other columns' values, so the same input always
    gives the same output. Rows whose ``order_by`` is NULL lose to any non-NULL value. Rows
    with NULL keys form their own group (NULL equals NULL here), as in ``GROUP BY``.

    Args:
        df: the rows to deduplicate.
        keys: the key column or columns.
        order_by: a column, expression or list of them; compared left to right.
        keep: ``"last"`` keeps the highest ordering, ``"first"`` the lowest.

    Returns:
        A DataFrame with ``df``'s columns, in ``df``'s order, one row per key.

    Example:
        >>> from databricks_utils.delta import deduplicate
        >>> events = spark.createDataFrame(
        ...     [(1, "a", 10), (1, "b", 20), (2, "c", 5)], "id INT, v STRING, ts INT"
        ... )  # doctest: +SKIP
        >>> deduplicate(events, "id", "ts").orderBy("id").collect()  # doctest: +SKIP
        [Row(id=1, v='b', ts=20), Row(id=2, v='c', ts=5)]
    """
    from databricks_utils.delta._dedup_plan import latest_per_key

    if keep not in ("last", "first"):
        raise MergeInputError(f"keep: expected 'last' or 'first', got {keep!r}")
    key_names = as_name_list(keys, argument="keys")
    if not key_names:
        raise MergeInputError("keys: give at least one key column")
    from pyspark.sql import Column

    order = [order_by] if isinstance(order_by, str | Column) else list(order_by)
    if not order:
        raise MergeInputError("order_by: give at least one column")
    return latest_per_key(df, key_names, order, keep)
