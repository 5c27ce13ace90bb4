"""Customers with their history (SCD type 2): one row per customer and version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from databricks_utils.delta import SEQUENCES_COLUMN, deduplicate, scd2_merge
from databricks_utils.observability import monte_carlo_rule

from ..bronze import customers as bronze_customers

if TYPE_CHECKING:
    from databricks_utils.catalog import CatalogHelper
    from databricks_utils.delta import MergeResult
    from pyspark.sql import DataFrame, SparkSession

TABLE = "customers"
KEYS = ["customer_id"]
SEQUENCE_BY = "updated_at"
VALID_FROM = "__START_AT"
VALID_TO = "__END_AT"
# What downstream tables and teams may rely on; tests/test_silver_contract.py checks it.
CONTRACT = (
    "customer_id BIGINT, name STRING, email STRING, country STRING, updated_at TIMESTAMP, "
    f"{VALID_FROM} TIMESTAMP, {VALID_TO} TIMESTAMP"
)
# Kept by scd2_merge so that a late record splits a version exactly; not for downstream use.
MAINTENANCE_COLUMNS = f"{SEQUENCES_COLUMN} ARRAY<TIMESTAMP>"


def clean_customers(raw: DataFrame) -> DataFrame:
    """Tidy the raw values and keep each customer's update once, however often it arrived.

    E-mails are trimmed and lower-cased, countries upper-cased; records without a
    customer id or update time are dropped.
    """
    from pyspark.sql import functions as F

    cleaned = raw.where(F.col("customer_id").isNotNull() & F.col(SEQUENCE_BY).isNotNull()).select(
        "customer_id",
        F.trim("name").alias("name"),
        F.lower(F.trim("email")).alias("email"),
        F.upper(F.trim("country")).alias("country"),
        SEQUENCE_BY,
        bronze_customers.SOURCE_FILE,
    )
    unique = deduplicate(cleaned, [*KEYS, SEQUENCE_BY], [bronze_customers.SOURCE_FILE], keep="last")
    return unique.drop(bronze_customers.SOURCE_FILE)


@monte_carlo_rule(
    rule_type="freshness", threshold_hours=24, severity="high", table=TABLE, layer="silver"
)
def build_customers(spark: SparkSession, names: CatalogHelper) -> MergeResult:
    """Merge every bronze record into the silver history; replaying records changes nothing.

    A change of name, e-mail or country opens a new version; a later ``updated_at`` with
    the same values only moves ``updated_at`` of the current version.
    """
    raw = spark.table(names.table_name("bronze", bronze_customers.TABLE))
    return scd2_merge(
        names.table_name("silver", TABLE),
        clean_customers(raw),
        KEYS,
        SEQUENCE_BY,
        track_history_except=[SEQUENCE_BY],
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
        spark=spark,
    )
