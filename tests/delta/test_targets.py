"""Merge targets on every leg: three-part names, ``DeltaTable`` objects (by name or path),
and a Delta Connect ``DeltaTable`` that its server cannot describe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from databricks_utils.delta import MergeInputError, MergeResult, append_new, scd1_merge
from tests.delta.conftest import version_of

pytestmark = pytest.mark.spark

SCHEMA = "id INT, v STRING"
AssertTable = Callable[..., None]


@pytest.fixture
def qualified(spark: Any, table: str) -> Iterator[str]:
    """A three-part name (catalog.schema.table), which OSS Delta 3's ``DeltaTable.forName``
    refuses and SQL accepts."""
    spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.dbu_targets")
    name = f"spark_catalog.dbu_targets.{table}"
    yield name
    spark.sql(f"DROP TABLE IF EXISTS {name}")


def test_scd1_merges_into_a_three_part_name(
    spark: Any, qualified: str, assert_table: AssertTable
) -> None:
    events = "id INT, v STRING, seq INT"
    first = scd1_merge(qualified, spark.createDataFrame([(1, "a", 1)], events), "id", "seq")
    second = scd1_merge(
        qualified, spark.createDataFrame([(1, "b", 2), (2, "c", 1)], events), "id", "seq"
    )

    assert first == MergeResult(1, 0, 0, 0)
    assert second == MergeResult(1, 1, 0, 1)
    assert_table(qualified, [(1, "b", 2), (2, "c", 1)], events)


def test_a_three_part_name_is_created_and_merged(
    spark: Any, qualified: str, assert_table: AssertTable
) -> None:
    first = append_new(qualified, spark.createDataFrame([(1, "a")], SCHEMA), "id")
    second = append_new(qualified, spark.createDataFrame([(1, "x"), (2, "b")], SCHEMA), "id")

    assert first == MergeResult(1, 0, 0, 0)
    assert second == MergeResult(1, 0, 0, 1)
    assert version_of(spark, qualified) == 1
    assert_table(qualified, [(1, "a"), (2, "b")], SCHEMA)


@pytest.mark.classic
def test_a_delta_table_by_path_is_merged_by_its_location(
    spark: Any, tmp_path: Path, assert_table: AssertTable
) -> None:
    from delta.tables import DeltaTable

    path = str(tmp_path / "events")
    spark.createDataFrame([(1, "a")], SCHEMA).write.format("delta").save(path)

    result = append_new(
        DeltaTable.forPath(spark, path), spark.createDataFrame([(1, "x"), (2, "b")], SCHEMA), "id"
    )

    assert result == MergeResult(1, 0, 0, 1)
    assert sorted(map(tuple, spark.read.format("delta").load(path).collect())) == [
        (1, "a"),
        (2, "b"),
    ]


@pytest.mark.connect_leg
def test_a_delta_connect_table_the_server_cannot_describe_is_refused(
    spark: Any, table: str
) -> None:
    from delta.tables import DeltaTable

    spark.createDataFrame([(1, "a")], SCHEMA).write.format("delta").saveAsTable(table)
    target = DeltaTable.forName(spark, table)

    with pytest.raises(MergeInputError) as info:
        append_new(target, spark.createDataFrame([(2, "b")], SCHEMA), "id")

    assert type(target).__module__ == "delta.connect.tables"
    assert str(info.value) == (
        "target: this DeltaTable belongs to a Spark Connect session whose server has no Delta "
        "Connect plugin, so it cannot be described; pass the table name instead (Databricks "
        "serverless and Databricks Connect have the plugin)"
    )
    assert version_of(spark, table) == 0
