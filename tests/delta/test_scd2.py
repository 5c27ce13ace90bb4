"""scd2_merge: exact resulting tables for each AUTO CDC SCD2 rule, multi-batch histories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from databricks_utils.delta import MergeResult, scd2_merge
from tests.delta.conftest import version_of

pytestmark = pytest.mark.spark

EVENTS = "id INT, v STRING, seq INT"
OPS = "id INT, v STRING, seq INT, op STRING"
TABLE = "id INT, v STRING, seq INT, __START_AT INT, __END_AT INT, __SEQUENCES ARRAY<INT>"

AssertTable = Callable[..., None]


def apply(spark: Any, table: str, rows: list[tuple[Any, ...]], **options: Any) -> MergeResult:
    schema = OPS if rows and len(rows[0]) == 4 else EVENTS
    if "delete_when" not in options and schema == OPS:
        options |= {"delete_when": "op = 'D'", "except_columns": ["op"]}
    return scd2_merge(table, spark.createDataFrame(rows, schema), "id", "seq", **options)


def test_new_keys_create_the_table_with_open_versions(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    result = apply(spark, table, [(1, "a", 10), (2, "b", 10)])

    assert result == MergeResult(inserted=2, updated=0, deleted=0, version=0)
    assert_table(table, [(1, "a", 10, 10, None, None), (2, "b", 10, 10, None, None)], TABLE)


def test_an_update_closes_the_current_version_and_opens_one(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10)])
    result = apply(spark, table, [(1, "b", 20)])

    assert result == MergeResult(inserted=1, updated=1, deleted=0, version=1)
    assert_table(table, [(1, "a", 10, 10, 20, None), (1, "b", 20, 20, None, None)], TABLE)


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 1, 0], [1, 2, 0]])
def test_several_events_for_a_key_in_one_batch_become_consecutive_versions(
    spark: Any, table: str, assert_table: AssertTable, order: list[int]
) -> None:
    apply(spark, table, [(1, "a", 5)])
    events = [(1, "b", 10), (1, "c", 20), (1, "c", 30)]

    apply(spark, table, [events[i] for i in order])

    assert_table(
        table,
        [(1, "a", 5, 5, 10, None), (1, "b", 10, 10, 20, None), (1, "c", 30, 20, None, [20, 30])],
        TABLE,
    )


def test_exact_duplicate_events_collapse(spark: Any, table: str, assert_table: AssertTable) -> None:
    result = apply(spark, table, [(1, "a", 10), (1, "a", 10), (1, "a", 10)])

    assert result.inserted == 1
    assert_table(table, [(1, "a", 10, 10, None, None)], TABLE)


def test_equal_values_extend_the_current_version_without_a_new_one(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10)])
    result = apply(spark, table, [(1, "a", 20)])

    assert (result.inserted, result.updated) == (0, 1)
    assert_table(table, [(1, "a", 20, 10, None, [10, 20])], TABLE)


def test_a_late_event_older_than_all_history_becomes_the_first_version(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10)])
    apply(spark, table, [(1, "b", 5)])

    assert_table(table, [(1, "b", 5, 5, 10, None), (1, "a", 10, 10, None, None)], TABLE)


def test_a_late_event_splits_a_closed_version(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10), (1, "c", 30)])
    apply(spark, table, [(1, "b", 20)])

    assert_table(
        table,
        [(1, "a", 10, 10, 20, None), (1, "b", 20, 20, 30, None), (1, "c", 30, 30, None, None)],
        TABLE,
    )


def test_a_late_event_splits_an_unchanged_run_at_the_absorbed_sequences(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "A", 5), (1, "A", 10), (1, "A", 15)])
    result = apply(spark, table, [(1, "B", 12)])

    assert (result.inserted, result.updated, result.deleted) == (2, 1, 0)
    assert_table(
        table,
        [(1, "A", 10, 5, 12, [5, 10]), (1, "B", 12, 12, 15, None), (1, "A", 15, 15, None, None)],
        TABLE,
    )


def test_a_late_event_equal_to_its_neighbours_merges_into_them(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "A", 5), (1, "B", 10)])
    apply(spark, table, [(1, "A", 7), (1, "B", 3)])

    assert_table(
        table,
        [(1, "B", 3, 3, 5, None), (1, "A", 7, 5, 10, [5, 7]), (1, "B", 10, 10, None, None)],
        TABLE,
    )


def test_a_late_event_equal_to_the_previous_version_extends_it(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "A", 5), (1, "B", 10), (1, "A", 20)])
    result = apply(spark, table, [(1, "B", 15)])

    assert (result.inserted, result.updated, result.deleted) == (0, 1, 0)
    assert_table(
        table,
        [(1, "A", 5, 5, 10, None), (1, "B", 15, 10, 20, [10, 15]), (1, "A", 20, 20, None, None)],
        TABLE,
    )


def test_a_delete_closes_the_current_version(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10, "U")])
    result = apply(spark, table, [(1, None, 20, "D")])

    assert result == MergeResult(inserted=0, updated=1, deleted=0, version=1)
    assert_table(table, [(1, "a", 10, 10, 20, None)], TABLE)


def test_an_insert_after_a_delete_reopens_the_key(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10, "U"), (1, None, 20, "D")])
    apply(spark, table, [(1, "a", 30, "U")])

    assert_table(table, [(1, "a", 10, 10, 20, None), (1, "a", 30, 30, None, None)], TABLE)


def test_a_late_delete_inside_a_closed_version_shortens_it(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10, "U"), (1, "b", 30, "U")])
    apply(spark, table, [(1, None, 20, "D")])

    assert_table(table, [(1, "a", 10, 10, 20, None), (1, "b", 30, 30, None, None)], TABLE)


def test_a_delete_wins_over_an_upsert_at_the_same_sequence(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10, "U")])
    apply(spark, table, [(1, "b", 20, "U"), (1, None, 20, "D")])

    assert_table(table, [(1, "a", 10, 10, 20, None)], TABLE)


def test_a_delete_for_a_key_never_held_is_ignored_and_counted(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10, "U")])
    result = apply(spark, table, [(2, None, 20, "D")])

    assert result == MergeResult(inserted=0, updated=0, deleted=0, version=None, ignored_deletes=1)
    assert_table(table, [(1, "a", 10, 10, None, None)], TABLE)


def test_a_delete_of_a_closed_key_is_kept_for_later_late_events(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 1, "U")])
    apply(spark, table, [(1, None, 10, "D")])
    apply(spark, table, [(1, None, 20, "D")])
    apply(spark, table, [(1, "b", 15, "U")])

    assert_table(table, [(1, "a", 1, 1, 10, None), (1, "b", 15, 15, 20, None)], TABLE)


def test_changes_to_and_from_null_open_versions(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, None, 10), (1, "x", 20), (1, None, 30)])

    assert_table(
        table,
        [(1, None, 10, 10, 20, None), (1, "x", 20, 20, 30, None), (1, None, 30, 30, None, None)],
        TABLE,
    )


def test_ignore_null_updates_keeps_the_previous_value(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    schema = "id INT, name STRING, city STRING, seq INT"
    first = spark.createDataFrame([(1, "Ann", "Oslo", 10)], schema)
    later = spark.createDataFrame([(1, None, "Rome", 20), (1, None, None, 30)], schema)
    scd2_merge(table, first, "id", "seq", ignore_null_updates=True)

    scd2_merge(table, later, "id", "seq", ignore_null_updates=True)

    assert_table(
        table,
        [(1, "Ann", "Oslo", 10, 10, 20, None), (1, "Ann", "Rome", 30, 20, None, [20, 30])],
        "id INT, name STRING, city STRING, seq INT, __START_AT INT, __END_AT INT,"
        " __SEQUENCES ARRAY<INT>",
    )


def test_untracked_columns_update_the_current_version_in_place(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    schema = "id INT, name STRING, score INT, seq INT"
    batch_1 = spark.createDataFrame([(1, "alice", 100, 10), (1, "alice", 200, 20)], schema)
    batch_2 = spark.createDataFrame([(1, "alice", 300, 30)], schema)
    scd2_merge(table, batch_1, "id", "seq", track_history=["name"])

    scd2_merge(table, batch_2, "id", "seq", track_history=["name"])

    assert_table(
        table,
        [(1, "alice", 300, 30, 10, None, [10, 20, 30])],
        "id INT, name STRING, score INT, seq INT, __START_AT INT, __END_AT INT,"
        " __SEQUENCES ARRAY<INT>",
    )


def test_track_history_except_leaves_those_columns_untracked(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    schema = "id INT, name STRING, score INT, seq INT"
    events = [(1, "alice", 100, 10), (1, "alice", 200, 20), (1, "bob", 200, 30)]

    scd2_merge(
        table, spark.createDataFrame(events, schema), "id", "seq", track_history_except=["score"]
    )

    assert_table(
        table,
        [(1, "alice", 200, 20, 10, 30, [10, 20]), (1, "bob", 200, 30, 30, None, None)],
        "id INT, name STRING, score INT, seq INT, __START_AT INT, __END_AT INT,"
        " __SEQUENCES ARRAY<INT>",
    )


def test_sequences_stored_as_single_start_arrays_read_as_absorbing_only_the_start(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    spark.createDataFrame([(1, "a", 10, 10, None, [10])], TABLE).write.format("delta").saveAsTable(
        table
    )

    replay = apply(spark, table, [(1, "a", 10)])
    change = apply(spark, table, [(1, "b", 20)])

    assert replay == MergeResult(inserted=0, updated=0, deleted=0, version=None)
    assert change == MergeResult(inserted=1, updated=1, deleted=0, version=1)
    assert_table(table, [(1, "a", 10, 10, 20, None), (1, "b", 20, 20, None, None)], TABLE)


def test_replaying_a_batch_changes_nothing_and_commits_nothing(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    batch = [(1, "a", 10, "U"), (1, "b", 20, "U"), (2, "x", 5, "U"), (2, None, 8, "D")]
    apply(spark, table, batch)
    apply(spark, table, [(1, "c", 30, "U")])
    before = version_of(spark, table)

    result = apply(spark, table, batch)

    assert result == MergeResult(inserted=0, updated=0, deleted=0, version=None)
    assert version_of(spark, table) == before


def test_custom_validity_columns_and_current_flag(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    rows = spark.createDataFrame([(1, "a", 10), (1, "b", 20)], EVENTS)

    scd2_merge(
        table,
        rows,
        "id",
        "seq",
        valid_from="valid_from",
        valid_to="valid_to",
        current_flag="is_current",
        track_sequences=False,
    )

    assert_table(
        table,
        [(1, "a", 10, 10, 20, False), (1, "b", 20, 20, None, True)],
        "id INT, v STRING, seq INT, valid_from INT, valid_to INT, is_current BOOLEAN",
    )


def test_composite_keys_and_a_struct_sequence(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    from pyspark.sql import functions as F

    schema = "country STRING, id INT, v STRING, day INT, n INT"
    rows = spark.createDataFrame(
        [("fr", 1, "a", 1, 1), ("fr", 1, "b", 1, 2), ("de", 1, "a", 1, 1)], schema
    )

    scd2_merge(table, rows, ["country", "id"], F.struct("day", "n"), track_history=["v"])

    spark.table(table).printSchema()
    got = sorted(
        (r.country, r.v, tuple(r["__START_AT"]), r["__END_AT"] and tuple(r["__END_AT"]))
        for r in spark.table(table).collect()
    )
    assert got == [
        ("de", "a", (1, 1), None),
        ("fr", "a", (1, 1), (1, 2)),
        ("fr", "b", (1, 2), None),
    ]


def test_without_sequence_tracking_late_events_split_at_version_starts(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10), (1, "c", 30)], track_sequences=False)
    apply(spark, table, [(1, "b", 20)], track_sequences=False)

    assert_table(
        table,
        [(1, "a", 10, 10, 20), (1, "b", 20, 20, 30), (1, "c", 30, 30, None)],
        "id INT, v STRING, seq INT, __START_AT INT, __END_AT INT",
    )


@pytest.mark.classic  # Spark Connect needs Delta Connect: tests/delta/test_targets.py
def test_a_delta_table_object_works_as_target(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    from delta.tables import DeltaTable

    apply(spark, table, [(1, "a", 10)])

    scd2_merge(
        DeltaTable.forName(spark, table), spark.createDataFrame([(1, "b", 20)], EVENTS), "id", "seq"
    )

    assert_table(table, [(1, "a", 10, 10, 20, None), (1, "b", 20, 20, None, None)], TABLE)


def test_merge_schema_adds_new_source_columns(
    spark: Any, table: str, assert_table: AssertTable
) -> None:
    apply(spark, table, [(1, "a", 10)])
    wider = spark.createDataFrame([(1, "a", 20, "x")], "id INT, v STRING, seq INT, extra STRING")

    scd2_merge(table, wider, "id", "seq", merge_schema=True)

    assert_table(
        table,
        [(1, "a", 10, 10, 20, None, None), (1, "a", 20, 20, None, None, "x")],
        TABLE + ", extra STRING",
    )


def test_one_commit_per_call(spark: Any, table: str) -> None:
    apply(spark, table, [(1, "a", 10)])
    apply(spark, table, [(1, "b", 20), (2, "c", 5), (1, "a", 1)])

    operations = [r.operation for r in spark.sql(f"DESCRIBE HISTORY {table}").collect()]
    assert operations == ["MERGE", "CREATE TABLE AS SELECT"]


def test_a_three_part_name_from_catalog_helper_works_locally(spark: Any) -> None:
    from databricks_utils.catalog import CatalogHelper
    from databricks_utils.config import EnvironmentConfig

    config = EnvironmentConfig(
        environment="local", catalog={"name": "spark_catalog", "schema": "scd2_names"}
    )
    names = CatalogHelper(config)
    names.ensure_schemas(spark, "silver")
    name = names.table_name("silver", "customers")

    result = scd2_merge(name, spark.createDataFrame([(1, "a", 10)], EVENTS), "id", "seq")

    assert name == "spark_catalog.scd2_names_silver.customers"
    assert result.inserted == 1
    assert spark.table(name).count() == 1
    spark.sql(f"DROP TABLE {name}")
