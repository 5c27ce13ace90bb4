"""scd1_merge, deduplicate and append_new: exact resulting tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from databricks_utils.delta import MergeResult, append_new, deduplicate, scd1_merge
from tests.delta.conftest import version_of

pytestmark = pytest.mark.spark

OPS = "id INT, v STRING, seq INT, op STRING"
AssertTable = Callable[..., None]


def upsert(spark: Any, table: str, rows: list[tuple[Any, ...]], **options: Any) -> MergeResult:
    return scd1_merge(
        table,
        spark.createDataFrame(rows, OPS),
        "id",
        "seq",
        delete_when="op = 'D'",
        except_columns=["op"],
        **options,
    )


def test_scd1_keeps_the_latest_values_per_key(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    result = upsert(spark, table, [(1, "a", 1, "U"), (1, "b", 2, "U"), (2, "x", 1, "U")])

    assert result == MergeResult(inserted=2, updated=0, deleted=0, version=0)
    assert_table(table, [(1, "b", 2), (2, "x", 1)], "id INT, v STRING, seq INT")


def test_scd1_discards_events_older_than_the_stored_one(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    upsert(spark, table, [(1, "b", 5, "U")])

    result = upsert(spark, table, [(1, "old", 3, "U"), (2, "new", 1, "U")])

    assert (result.inserted, result.updated) == (1, 0)
    assert_table(table, [(1, "b", 5), (2, "new", 1)], "id INT, v STRING, seq INT")


def test_scd1_deletes_remove_the_row_and_win_ties(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    upsert(spark, table, [(1, "a", 1, "U"), (2, "b", 1, "U")])

    result = upsert(spark, table, [(1, None, 2, "D"), (2, "c", 3, "U"), (2, None, 3, "D")])

    assert (result.deleted, result.updated, result.ignored_deletes) == (2, 0, 0)
    assert_table(table, [], "id INT, v STRING, seq INT")


def test_scd1_replay_changes_nothing(spark: Any, table: str) -> None:
    batch = [(1, "a", 1, "U"), (1, "b", 2, "U"), (3, None, 2, "D")]
    upsert(spark, table, batch)
    before = version_of(spark, table)

    assert upsert(spark, table, batch) == MergeResult(0, 0, 0, None, ignored_deletes=1)
    assert version_of(spark, table) == before


def test_scd1_ignore_null_updates_keeps_stored_and_earlier_values(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    schema = "id INT, name STRING, city STRING, seq INT"
    scd1_merge(table, spark.createDataFrame([(1, "Ann", "Oslo", 1)], schema), "id", "seq")
    later = spark.createDataFrame([(1, "Anna", None, 2), (1, None, None, 3)], schema)

    scd1_merge(table, later, "id", "seq", ignore_null_updates=True)

    assert_table(table, [(1, "Anna", "Oslo", 3)], schema)


def test_scd1_stores_an_expression_sequence_in_its_own_column(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    from pyspark.sql import functions as F

    rows = spark.createDataFrame([(1, "a", 1), (1, "b", 2)], "id INT, v STRING, n INT")

    scd1_merge(table, rows, "id", F.col("n") * 10, except_columns=["n"])

    assert_table(table, [(1, "b", 20)], "id INT, v STRING, __SEQUENCE INT")


def test_deduplicate_keeps_the_highest_ordering_per_key(spark: Any) -> None:
    from chispa import assert_df_equality

    rows = spark.createDataFrame(
        [(1, "a", 1), (1, "b", 3), (1, "c", 2), (None, "n", 1), (None, "m", 2), (2, "z", None)],
        "id INT, v STRING, ts INT",
    )

    last = deduplicate(rows, "id", "ts")
    first = deduplicate(rows, "id", "ts", keep="first")

    assert_df_equality(
        last,
        spark.createDataFrame(
            [(1, "b", 3), (None, "m", 2), (2, "z", None)], "id INT, v STRING, ts INT"
        ),
        ignore_row_order=True,
    )
    assert_df_equality(
        first,
        spark.createDataFrame(
            [(1, "a", 1), (None, "n", 1), (2, "z", None)], "id INT, v STRING, ts INT"
        ),
        ignore_row_order=True,
    )


def test_deduplicate_breaks_ties_deterministically_and_nulls_lose(spark: Any) -> None:
    rows = [(1, "b", 5), (1, "a", 5), (1, "c", None)]
    for ordering in (rows, rows[::-1]):
        df = spark.createDataFrame(ordering, "id INT, v STRING, ts INT").repartition(2)
        assert (
            deduplicate(df, "id", "ts").collect()
            == deduplicate(
                spark.createDataFrame(rows, "id INT, v STRING, ts INT"), "id", "ts"
            ).collect()
        )
    assert [
        r.v
        for r in deduplicate(
            spark.createDataFrame(rows, "id INT, v STRING, ts INT"), "id", "ts", keep="first"
        ).collect()
    ] == ["a"]


def test_deduplicate_handles_map_columns(spark: Any) -> None:
    rows = spark.createDataFrame(
        [(1, {"k": "a"}, 1), (1, {"k": "b"}, 2)], "id INT, attrs MAP<STRING, STRING>, ts INT"
    )

    assert [r.attrs for r in deduplicate(rows, ["id"], ["ts"]).collect()] == [{"k": "b"}]


def test_deduplicate_refuses_an_unknown_keep(spark: Any) -> None:
    from databricks_utils.delta import MergeInputError

    rows = spark.createDataFrame([(1, 1)], "id INT, ts INT")
    with pytest.raises(MergeInputError, match="keep: expected 'last' or 'first', got 'max'"):
        deduplicate(rows, "id", "ts", keep="max")  # type: ignore[arg-type]


def test_append_new_inserts_only_new_keys_null_safely(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    schema = "id INT, v STRING"
    first = append_new(
        table, spark.createDataFrame([(1, "a"), (1, "b"), (None, "n")], schema), "id"
    )
    second = append_new(
        table, spark.createDataFrame([(1, "z"), (2, "c"), (None, "m"), (2, "d")], schema), "id"
    )
    before = version_of(spark, table)
    third = append_new(table, spark.createDataFrame([(2, "c"), (None, "n")], schema), "id")

    assert (first.inserted, first.version) == (2, 0)
    assert (second.inserted, second.version) == (1, 1)
    assert third == MergeResult(0, 0, 0, None)
    assert version_of(spark, table) == before
    assert_table(table, [(1, "a"), (None, "n"), (2, "c")], schema)
