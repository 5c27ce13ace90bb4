"""Fixtures for the Delta primitives: fresh table names and exact table comparisons."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

_names = itertools.count()


@pytest.fixture
def table(spark: Any) -> Iterator[str]:
    """A table name no other test uses; dropped afterwards."""
    name = f"delta_test_{next(_names)}"
    yield name
    spark.sql(f"DROP TABLE IF EXISTS {name}")


def version_of(spark: Any, name: str) -> int:
    return int(spark.sql(f"DESCRIBE HISTORY {name}").agg({"version": "max"}).head()[0])


@pytest.fixture
def assert_table(spark: Any) -> Callable[..., None]:
    """``assert_table(name, rows, schema)``: the table holds exactly these rows."""
    from chispa import assert_df_equality

    def check(name: str, rows: list[tuple[Any, ...]], schema: str) -> None:
        expected = spark.createDataFrame(rows, schema)
        actual = spark.table(name).select(*expected.columns)
        assert_df_equality(
            actual, expected, ignore_row_order=True, ignore_nullable=True, ignore_column_order=False
        )
        extra = set(spark.table(name).columns) - set(expected.columns)
        assert not extra, f"unexpected columns {extra}"

    return check
