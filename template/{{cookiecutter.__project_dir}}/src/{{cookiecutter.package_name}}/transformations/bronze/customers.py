"""The customer extracts, appended to bronze exactly once per file and record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from databricks_utils.delta import append_new
from databricks_utils.observability import monte_carlo_rule

if TYPE_CHECKING:
    from databricks_utils.catalog import CatalogHelper
    from databricks_utils.delta import MergeResult
    from pyspark.sql import DataFrame, SparkSession

TABLE = "customers_raw"
RAW_SCHEMA = "customer_id BIGINT, name STRING, email STRING, country STRING, updated_at TIMESTAMP"
TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss"
SOURCE_FILE = "_source_file"
# A record is new unless an earlier run loaded it from the same file.
KEYS = [SOURCE_FILE, "customer_id", "updated_at"]


def read_customers(spark: SparkSession, source: str) -> DataFrame:
    """Read every CSV extract under ``source``, values untouched, with the file each row came from.

    Malformed rows fail the read instead of arriving as nulls.
    """
    from pyspark.sql import functions as F

    return (
        spark.read.schema(RAW_SCHEMA)
        .option("header", "true")
        .option("mode", "FAILFAST")
        .option("timestampFormat", TIMESTAMP_FORMAT)
        .csv(source)
        .withColumn(SOURCE_FILE, F.regexp_extract(F.col("_metadata.file_path"), r"([^/]+)$", 1))
    )


@monte_carlo_rule(
    rule_type="volume",
    threshold_change_percent=20,
    timestamp_column="updated_at",
    severity="high",
    table=TABLE,
    layer="bronze",
)
def load_customers(spark: SparkSession, names: CatalogHelper, source: str) -> MergeResult:
    """Append the records of ``source`` that bronze does not hold yet; safe to run again."""
    return append_new(
        names.table_name("bronze", TABLE), read_customers(spark, source), KEYS, spark=spark
    )
