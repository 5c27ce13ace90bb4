"""The generated monitor SQL, run on real (local) Spark tables: it computes what the docs say.

Monte Carlo runs these queries on Databricks; local Spark speaks the same SQL for the
functions used. Not covered here: freshness from ``information_schema.tables``, which
exists only in Unity Catalog.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import EnvironmentConfig
from databricks_utils.observability import monte_carlo_rule, rules_of
from databricks_utils.observability.monitors import build_monitors

pytestmark = pytest.mark.spark

CONFIG = EnvironmentConfig(
    environment="test", catalog={"name": "spark_catalog", "schema": "dbu_tests"}
)
SCHEMA = "spark_catalog.dbu_tests_silver"
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
    "LTE": operator.le,
    "EQ": operator.eq,
    "NEQ": operator.ne,
}


def _at(days_ago: int) -> str:
    return f"(CAST(current_date() - {days_ago} AS TIMESTAMP) + INTERVAL 3 HOURS)"


TABLES = {
    # newest row 30 hours old
    "fresh": [
        "(current_timestamp() - INTERVAL 30 HOURS)",
        "(current_timestamp() - INTERVAL 50 HOURS)",
    ],
    "empty": [],
    # yesterday 12 rows, the day before 10, today 50 (a partial day never counts)
    "days": [_at(1)] * 12 + [_at(2)] * 10 + [_at(0)] * 50 + [_at(3)] * 99,
    "new": [_at(1)] * 3,  # nothing the day before
    "old": [_at(5)],  # nothing yesterday nor the day before
    "five": ["(current_timestamp())"] * 5,
}


@pytest.fixture(scope="module")
def tables(spark: Any) -> Iterator[Any]:
    """Small parquet tables (cheaper to create than Delta; the SQL reads them the same)."""
    CatalogHelper(CONFIG).ensure_schemas(spark, ["silver"])
    names = [*TABLES, "customers"]
    for name, rows in TABLES.items():
        values = ", ".join(rows) if rows else "(CAST(NULL AS TIMESTAMP))"
        where = "" if rows else " WHERE ts IS NOT NULL"
        spark.sql(f"DROP TABLE IF EXISTS {SCHEMA}.mc_{name}")
        spark.sql(
            f"CREATE TABLE {SCHEMA}.mc_{name} USING parquet AS "
            f"SELECT * FROM VALUES {values} AS t(ts){where}"
        )
    spark.sql(f"DROP TABLE IF EXISTS {SCHEMA}.mc_customers")
    spark.sql(
        f"CREATE TABLE {SCHEMA}.mc_customers USING parquet AS SELECT * FROM VALUES "
        "('a@x', 30), ('a@x', 140), ('b@x', -1), (NULL, 40) AS t(email, age)"
    )
    yield spark
    for name in names:
        spark.sql(f"DROP TABLE IF EXISTS {SCHEMA}.mc_{name}")


def run(spark: Any, **arguments: Any) -> tuple[float, bool]:
    """The monitor's query result, and whether Monte Carlo would alert on it."""

    def transformation() -> None: ...

    [rule] = rules_of(monte_carlo_rule(**arguments)(transformation))
    [monitor] = build_monitors([rule], CONFIG)
    [condition] = monitor.definition["alert_conditions"]
    [row] = spark.sql(monitor.definition["sql"]).collect()
    assert len(row) == 1  # one row, one number, as Monte Carlo requires
    value = float(row[0])
    return value, COMPARE[condition["operator"]](value, condition["threshold_value"])


def test_freshness_by_timestamp_column(tables: Any) -> None:
    common = {"rule_type": "freshness", "layer": "silver", "timestamp_column": "ts"}

    stale_value, stale = run(tables, table="mc_fresh", threshold_hours=24, **common)
    _, fresh = run(tables, table="mc_fresh", threshold_hours=36, **common)
    empty_value, empty = run(tables, table="mc_empty", threshold_hours=24, **common)

    assert 29.9 < stale_value < 30.1
    assert (stale, fresh) == (True, False)
    assert (empty_value, empty) == (1_000_000, True)


def test_volume_day_over_day_change(tables: Any) -> None:
    common = {"rule_type": "volume", "layer": "silver", "timestamp_column": "ts"}

    value, alert_at_10 = run(tables, table="mc_days", threshold_change_percent=10, **common)
    _, alert_at_25 = run(tables, table="mc_days", threshold_change_percent=25, **common)

    assert value == pytest.approx(20.0)
    assert (alert_at_10, alert_at_25) == (True, False)
    assert run(tables, table="mc_new", threshold_change_percent=10, **common) == (1_000_000, True)
    assert run(tables, table="mc_old", threshold_change_percent=10, **common) == (0, False)


def test_volume_row_count_bounds(tables: Any) -> None:
    results = [
        run(tables, rule_type="volume", layer="silver", table="mc_five", **bounds)
        for bounds in (
            {"min_rows": 10},
            {"max_rows": 4},
            {"min_rows": 1, "max_rows": 5},
            {"min_rows": 7, "max_rows": 9},
            {"min_rows": 1, "max_rows": 3},
        )
    ]

    assert results == [(5, True), (5, True), (0, False), (-2, True), (2, True)]


def test_field_health_checks(tables: Any) -> None:
    common = {"rule_type": "field_health", "layer": "silver", "table": "mc_customers"}

    nulls = run(tables, column="email", max_null_percent=20, **common)
    duplicates = run(tables, column="email", max_duplicate_percent=50, **common)
    out_of_range = run(tables, column="age", min_value=0, max_value=120, **common)
    above_only = run(tables, column="age", max_value=120, **common)

    assert nulls == (25.0, True)
    assert duplicates[0] == pytest.approx(100 / 3)
    assert not duplicates[1]
    assert out_of_range == (2, True)
    assert above_only == (1, True)


def test_custom_sql_gets_the_resolved_table(tables: Any) -> None:
    result = run(
        tables,
        rule_type="custom_sql",
        layer="silver",
        table="mc_customers",
        sql="SELECT COUNT(*) FROM {table} WHERE age < 0",
        operator=">",
        threshold=0,
    )

    assert result == (1, True)


@pytest.fixture
def growing(tables: Any) -> Iterator[Any]:
    """A Delta table whose commits are backdated through their log files' times, which is
    where Delta reads commit times from: created 72 hours before today's midnight, then
    100 rows at -60 h, 20 at -36 h, 30 at -12 h, and 1000 today."""
    name = f"{SCHEMA}.mc_growth"
    tables.sql(f"DROP TABLE IF EXISTS {name}")
    tables.sql(f"CREATE TABLE {name} (id BIGINT) USING delta")
    for rows in (100, 20, 30, 1000):
        tables.sql(f"INSERT INTO {name} SELECT id FROM range({rows})")
    location = tables.sql(f"DESCRIBE DETAIL {name}").collect()[0]["location"]
    log = Path(location.removeprefix("file:")) / "_delta_log"
    today = dt.datetime.now(dt.timezone.utc).date()  # the session time zone is UTC
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=dt.timezone.utc)
    backdated = sorted(log.glob("*.json"))[:4]
    for commit, hours in zip(backdated, [72, 60, 36, 12], strict=True):
        when = (midnight - dt.timedelta(hours=hours)).timestamp()
        os.utime(commit, (when, when))
    yield tables
    tables.sql(f"DROP TABLE IF EXISTS {name}")


def test_volume_day_over_day_change_without_a_timestamp_column(growing: Any) -> None:
    common = {"rule_type": "volume", "layer": "silver", "table": "mc_growth"}

    # the end of yesterday 150 rows, the end of the day before 120: +25 %; today's 1000
    # rows do not count yet
    value, alert_at_20 = run(growing, threshold_change_percent=20, **common)
    _, alert_at_30 = run(growing, threshold_change_percent=30, **common)

    assert value == pytest.approx(25.0)
    assert (alert_at_20, alert_at_30) == (True, False)
