"""Bad input is refused before anything is written, naming what is wrong."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from databricks_utils.delta import MergeInputError, append_new, scd1_merge, scd2_merge
from tests.delta.conftest import version_of

pytestmark = pytest.mark.spark

EVENTS = "id INT, v STRING, seq INT"


@pytest.fixture
def existing(spark: Any, table: str) -> str:
    scd2_merge(table, spark.createDataFrame([(1, "a", 10)], EVENTS), "id", "seq")
    return table


def refused(spark: Any, table: str, message: str, call: Any) -> None:
    before = version_of(spark, table)
    rows_before = sorted(map(tuple, spark.table(table).collect()))
    with pytest.raises(MergeInputError, match=message):
        call()
    assert version_of(spark, table) == before
    assert sorted(map(tuple, spark.table(table).collect())) == rows_before


def test_null_keys_are_refused_with_their_count(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(None, "a", 20), (None, "b", 21), (2, "c", 5)], EVENTS)
    refused(
        spark,
        existing,
        re.escape("key column 'id' has 2 NULL value(s)"),
        lambda: scd2_merge(existing, rows, "id", "seq"),
    )


def test_null_sequences_are_refused_with_their_count(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(1, "a", None), (2, "c", 5)], EVENTS)
    refused(
        spark,
        existing,
        re.escape("sequence_by 'seq' is NULL in 1 row(s)"),
        lambda: scd2_merge(existing, rows, "id", "seq"),
    )


def test_missing_columns_are_named_with_a_suggestion(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(1, "a", 20)], EVENTS)
    refused(
        spark,
        existing,
        re.escape("keys: source has no column(s) 'idd' (did you mean 'idd' → 'id'?)"),
        lambda: scd2_merge(existing, rows, "idd", "seq"),
    )
    refused(
        spark,
        existing,
        re.escape("sequence_by: source has no column(s) 'ts'"),
        lambda: scd2_merge(existing, rows, "id", "ts"),
    )
    refused(
        spark,
        existing,
        re.escape("track_history: source has no column(s) 'name'"),
        lambda: scd2_merge(existing, rows, "id", "seq", track_history=["name"]),
    )


def test_track_history_and_its_except_are_exclusive(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(1, "a", 20)], EVENTS)
    refused(
        spark,
        existing,
        "track_history and track_history_except cannot both be given",
        lambda: scd2_merge(
            existing, rows, "id", "seq", track_history=["v"], track_history_except=["v"]
        ),
    )


def test_a_target_without_validity_columns_is_refused(spark: Any, table: str) -> None:
    spark.createDataFrame([(1, "a", 10)], EVENTS).write.format("delta").saveAsTable(table)
    rows = spark.createDataFrame([(1, "b", 20)], EVENTS)
    refused(
        spark,
        table,
        re.escape(f"target {table} lacks the validity column(s) '__START_AT', '__END_AT'"),
        lambda: scd2_merge(table, rows, "id", "seq"),
    )


def test_different_upserts_at_one_key_and_sequence_name_the_key(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(7, "a", 20), (7, "b", 20), (8, "c", 20)], EVENTS)
    refused(
        spark,
        existing,
        re.escape(
            "1 key(s) have different upserts at the same sequence 'seq'"
            " (for example id=7 at seq=20)"
        ),
        lambda: scd2_merge(existing, rows, "id", "seq"),
    )


def test_an_upsert_contradicting_a_stored_event_is_refused(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(1, "changed", 10)], EVENTS)
    refused(
        spark,
        existing,
        re.escape(
            "differ from the event already stored at the same sequence 'seq'"
            " (for example id=1 at seq=10)"
        ),
        lambda: scd2_merge(existing, rows, "id", "seq"),
    )


def test_source_columns_the_target_lacks_are_listed(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(1, "a", 20, "x", 1)], EVENTS + ", extra STRING, more INT")
    refused(
        spark,
        existing,
        re.escape("source column(s) 'extra', 'more' are not in target"),
        lambda: scd2_merge(existing, rows, "id", "seq"),
    )


def test_a_delete_and_an_upsert_at_one_sequence_are_not_an_error(spark: Any, existing: str) -> None:
    rows = spark.createDataFrame([(1, "b", 20, "U"), (1, None, 20, "D")], EVENTS + ", op STRING")
    result = scd2_merge(existing, rows, "id", "seq", delete_when="op = 'D'", except_columns=["op"])
    assert (result.updated, result.inserted) == (1, 0)


def test_scd1_and_append_refuse_bad_input_too(spark: Any, table: str) -> None:
    scd1_merge(table, spark.createDataFrame([(1, "a", 10)], EVENTS), "id", "seq")
    with_null = spark.createDataFrame([(None, "a", 20)], EVENTS)
    refused(
        spark,
        table,
        re.escape("key column 'id' has 1 NULL value(s)"),
        lambda: scd1_merge(table, with_null, "id", "seq"),
    )
    wider = spark.createDataFrame([(2, "a", 20, 1)], EVENTS + ", extra INT")
    refused(
        spark,
        table,
        re.escape("source column(s) 'extra' are not in target"),
        lambda: append_new(table, wider, "id"),
    )


def test_a_non_delta_target_is_refused(spark: Any, table: str) -> None:
    spark.createDataFrame([(1, "a", 10)], EVENTS).write.format("parquet").saveAsTable(table)
    with pytest.raises(
        MergeInputError, match=re.escape(f"table '{table}' exists but is not a Delta table")
    ):
        scd2_merge(table, spark.createDataFrame([(1, "a", 10)], EVENTS), "id", "seq")


def test_a_table_the_catalog_forgot_is_named_with_its_location(spark: Any, table: str) -> None:
    database = spark.catalog.getDatabase(spark.catalog.currentDatabase())
    location = f"{database.locationUri.rstrip('/')}/{table}"
    left_behind = spark.createDataFrame([(1, "a", 10)], EVENTS)
    left_behind.write.format("delta").save(location)
    try:
        with pytest.raises(MergeInputError) as error:
            scd2_merge(table, spark.createDataFrame([(2, "b", 20)], EVENTS), "id", "seq")
        assert str(error.value) == (
            f"target: the catalog has no table '{table}', but {location} already holds files; "
            "a local session's in-memory catalog forgets its tables when the process ends. "
            f"Register the existing table with CREATE TABLE {table} USING DELTA LOCATION "
            f"'{location}', or remove the directory to start over (nothing was written to it)"
        )
        stored = spark.read.format("delta").load(location)
        assert sorted(map(tuple, stored.collect())) == [(1, "a", 10)]
        assert spark.sql(f"DESCRIBE HISTORY delta.`{location}`").count() == 1
    finally:
        shutil.rmtree(location.removeprefix("file:"))
