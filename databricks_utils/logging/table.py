"""The Delta log table: created once with an explicit schema, then only appended to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from databricks_utils.catalog.identifiers import quote_identifier, validate_qualified_name
from databricks_utils.logging.schema import LOG_COLUMNS, LogRow

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

TABLE_COMMENT = "Pipeline run log written by databricks_utils.logging"
_NON_EMPTY_LOCATION = "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION"


def log_table_schema() -> StructType:
    """The log table's Spark schema (column comments included), as `create_log_table` makes it.

    Example:
        >>> log_table_schema().simpleString()  # doctest: +SKIP
        'struct<date:date,time:timestamp,user:string,...,duration_ms:bigint,error:string>'
    """
    from pyspark.sql.types import (
        DataType,
        DateType,
        LongType,
        StringType,
        StructField,
        StructType,
        TimestampType,
    )

    types: dict[str, DataType] = {
        "DATE": DateType(),
        "TIMESTAMP": TimestampType(),
        "STRING": StringType(),
        "BIGINT": LongType(),
    }
    return StructType(
        [
            StructField(c.name, types[c.sql_type], c.nullable, {"comment": c.comment})
            for c in LOG_COLUMNS
        ]
    )


def log_table_ddl(table: str) -> str:
    """The ``CREATE TABLE IF NOT EXISTS`` statement of the log table ``table``.

    Example:
        >>> print(log_table_ddl("ops.pipeline_logs"))  # doctest: +ELLIPSIS
        CREATE TABLE IF NOT EXISTS `ops`.`pipeline_logs` (
          `date` DATE NOT NULL COMMENT 'UTC date of the log call',
          `time` TIMESTAMP NOT NULL COMMENT 'Instant of the log call (UTC)',
        ...
          `error` STRING COMMENT 'Exception type, message and traceback summary'
        ) USING DELTA COMMENT 'Pipeline run log written by databricks_utils.logging'
    """
    columns = ",\n".join(
        f"  {quote_identifier(c.name)} {c.sql_type}{'' if c.nullable else ' NOT NULL'}"
        f" COMMENT {_sql_string(c.comment)}"
        for c in LOG_COLUMNS
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {quote_name(table)} (\n{columns}\n) "
        f"USING DELTA COMMENT {_sql_string(TABLE_COMMENT)}"
    )


def create_log_table(spark: SparkSession, table: str) -> None:
    """Create the log table ``table`` (and its schema) unless it exists.

    Loggers call it before their first write. Jobs whose tasks log in parallel should call
    it once before they fan out: Delta cannot create one table from concurrent writers.

    Raises:
        NamingError: for an invalid table name.

    Example:
        >>> create_log_table(spark, "dev_analytics.customer_360_bronze.pipeline_logs")
        ... # doctest: +SKIP
    """
    table = validate_qualified_name(table, kind="table")
    if spark.catalog.tableExists(table):
        return
    schema, _, name = table.rpartition(".")
    if schema:
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {quote_name(schema)}")
    try:
        spark.sql(log_table_ddl(table))
    except Exception as exc:
        if spark.catalog.tableExists(table):  # created by a concurrent writer
            return
        if _NON_EMPTY_LOCATION not in str(exc):
            raise
        # Local Spark forgets its tables when the process ends, but not their files: take
        # the table of an earlier run back from its location.
        location = f"{_schema_location(spark, schema)}/{name}"
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS {quote_name(table)} USING DELTA "
            f"LOCATION {_sql_string(location)}"
        )


def append_rows(spark: SparkSession, table: str, rows: Sequence[LogRow]) -> None:
    """Append ``rows`` to ``table`` in one Delta commit and one file, matching columns by name."""
    frame = spark.createDataFrame(list(rows), schema=log_table_schema())
    frame.coalesce(1).writeTo(table).append()


def _schema_location(spark: SparkSession, schema: str) -> str:
    target = quote_name(schema) if schema else quote_identifier(spark.catalog.currentDatabase())
    rows = spark.sql(f"DESCRIBE SCHEMA {target}").collect()
    location = next(str(row[1]) for row in rows if str(row[0]).lower() == "location")
    return location.rstrip("/")


def quote_name(name: str) -> str:
    """``a.b.c`` with each part in backticks."""
    return ".".join(quote_identifier(part) for part in name.split("."))


def _sql_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
