"""The Delta table a merge writes to: given by name or as a ``DeltaTable``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, Row, SparkSession

from databricks_utils.delta.errors import MergeInputError


@dataclass
class Target:
    """A merge target; ``table`` is ``None`` until the first call creates it."""

    spark: SparkSession
    label: str
    name: str | None
    table: DeltaTable | None

    @property
    def exists(self) -> bool:
        return self.table is not None

    def dataframe(self) -> DataFrame:
        assert self.table is not None
        return self.table.toDF()

    def latest_version(self) -> int:
        """The table's latest committed version, e.g. the one a merge just committed."""
        assert self.table is not None
        java_table = getattr(self.table, "_jdt", None)
        if java_table is not None:
            # Classic sessions: the commit already refreshed the log's snapshot in the JVM,
            # which spares a Spark job over the history.
            return int(java_table.deltaLog().unsafeVolatileSnapshot().version())
        return int(first_row(self.table.history(1).select("version"))[0])

    def create(self, rows: DataFrame) -> int:
        """Create the table from ``rows`` in one commit (version 0)."""
        assert self.name is not None
        try:
            rows.write.format("delta").mode("errorifexists").saveAsTable(self.name)
        except AnalysisException as error:
            if "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION" not in str(error):
                raise
            raise MergeInputError(_unregistered_table_message(self.name, str(error))) from None
        self.table = DeltaTable.forName(self.spark, self.name)
        return self.latest_version()


def merge_counts(metrics: DataFrame | None, target: Target) -> dict[str, int]:
    """The rows a MERGE wrote, from what ``execute()`` returns (Delta 3+) or else from the
    commit's metrics in the table history."""
    if metrics is not None:
        row = metrics.head()
        if row is not None:
            return {
                "insert": int(row["num_inserted_rows"] or 0),
                "update": int(row["num_updated_rows"] or 0),
                "delete": int(row["num_deleted_rows"] or 0),
            }
    assert target.table is not None
    operation = target.table.history(1).head()
    reported = (operation["operationMetrics"] or {}) if operation is not None else {}
    return {
        "insert": int(reported.get("numTargetRowsInserted", 0)),
        "update": int(reported.get("numTargetRowsUpdated", 0)),
        "delete": int(reported.get("numTargetRowsDeleted", 0)),
    }


def resolve_target(target: object, spark: SparkSession) -> Target:
    """Look ``target`` (a table name or a ``DeltaTable``) up."""
    if isinstance(target, DeltaTable):
        detail = first_row(target.detail().select("name", "location"))
        label = detail[0] or f"delta.`{detail[1]}`"
        return Target(spark, label, None, target)
    if not isinstance(target, str) or not target.strip():
        raise MergeInputError(
            f"target: expected a table name or a DeltaTable, got {type(target).__name__}"
        )
    try:
        exists = spark.catalog.tableExists(target)
    except AnalysisException as error:
        raise MergeInputError(f"target: cannot look up table {target!r}: {error}") from None
    if not exists:
        return Target(spark, target, target, None)
    try:
        table = DeltaTable.forName(spark, target)
    except AnalysisException:
        raise MergeInputError(f"target: table {target!r} exists but is not a Delta table") from None
    return Target(spark, target, target, table)


def _unregistered_table_message(name: str, error: str) -> str:
    found = re.search(r"location \('([^']*)'\)", error)
    location = found.group(1) if found else "its location"
    return (
        f"target: the catalog has no table {name!r}, but {location} already holds files; a "
        "local session's in-memory catalog forgets its tables when the process ends. Register "
        f"the existing table with CREATE TABLE {name} USING DELTA LOCATION '{location}', or "
        "remove the directory to start over (nothing was written to it)"
    )


def first_row(df: DataFrame) -> Row:
    """The first row of a DataFrame that always has one (an aggregate, a history)."""
    row = df.head()
    if row is None:
        raise RuntimeError("expected a row, got an empty result")
    return row


def case_sensitive(spark: SparkSession) -> bool:
    """Whether the session resolves column names case-sensitively."""
    return str(spark.conf.get("spark.sql.caseSensitive", "false")).lower() == "true"
