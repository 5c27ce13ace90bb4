"""The Delta table a merge writes to: given by name or as a ``DeltaTable``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, Row, SparkSession

from databricks_utils.delta._classic import classic_delta_table, snapshot_version
from databricks_utils.delta._merge_statement import MergeCounts, MergeStatement
from databricks_utils.delta._sql import Sql
from databricks_utils.delta.columns import backticked
from databricks_utils.delta.errors import MergeInputError


@dataclass
class Target:
    """A merge target, addressed in SQL by ``reference`` (a table name or ``delta.`path```);
    ``exists`` is false until the first call creates it under ``name``."""

    spark: SparkSession
    label: str
    reference: str
    name: str | None
    exists: bool
    classic: Any | None = None  # the classic DeltaTable, where there is one

    def dataframe(self) -> DataFrame:
        assert self.exists
        return self.spark.table(self.reference)

    def merge(self, condition: Sql) -> MergeStatement:
        """A ``MERGE INTO`` this table (aliased ``t``) on ``condition``."""
        assert self.exists
        return MergeStatement(self.reference, condition)

    def latest_version(self) -> int:
        """The table's latest committed version, e.g. the one a merge just committed."""
        version = snapshot_version(self.classic)
        if version is not None:
            return version
        history = self.spark.sql(f"DESCRIBE HISTORY {self.reference} LIMIT 1")
        return int(first_row(history.select("version"))[0])

    def committed_version(self, counts: MergeCounts) -> int | None:
        """The version a MERGE that wrote ``counts`` committed; ``None`` when it wrote nothing
        (Delta then commits nothing, or an empty commit on some versions)."""
        return self.latest_version() if any(counts.values()) else None

    def create(self, rows: DataFrame) -> int:
        """Create the table from ``rows`` in one commit (version 0)."""
        assert self.name is not None
        try:
            # "error" rather than "errorifexists": Spark Connect accepts only the former.
            rows.write.format("delta").mode("error").saveAsTable(self.name)
        except AnalysisException as error:
            if "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION" not in str(error):
                raise
            raise MergeInputError(_unregistered_table_message(self.name, str(error))) from None
        self.exists = True
        self.classic = classic_delta_table(self.spark, self.name)
        return self.latest_version()


def resolve_target(target: object, spark: SparkSession) -> Target:
    """Look ``target`` (a table name, or a ``DeltaTable`` of classic Spark or Delta Connect)
    up."""
    if _is_delta_table(target):
        name, location = _name_and_location(target)
        if name:
            return Target(spark, name, _quoted_name(name), None, True, target)
        label, reference = f"delta.`{location}`", f"delta.{backticked(location)}"
        return Target(spark, label, reference, None, True, target)
    if not isinstance(target, str) or not target.strip():
        raise MergeInputError(
            f"target: expected a table name or a DeltaTable, got {type(target).__name__}"
        )
    try:
        exists = spark.catalog.tableExists(target)
    except AnalysisException as error:
        raise MergeInputError(f"target: cannot look up table {target!r}: {error}") from None
    if not exists:
        return Target(spark, target, target, target, False)
    classic = classic_delta_table(spark, target)
    if classic is None and not _is_delta(spark, target):
        raise MergeInputError(f"target: table {target!r} exists but is not a Delta table")
    return Target(spark, target, target, target, True, classic)


def _is_delta_table(target: object) -> bool:
    """A ``delta.tables.DeltaTable`` or ``delta.connect.tables.DeltaTable``, without importing
    delta (a Databricks Connect client may not have it)."""
    kind = type(target)
    return kind.__name__ == "DeltaTable" and kind.__module__.startswith("delta.")


def _name_and_location(table: Any) -> tuple[str | None, str]:
    try:
        name, location = first_row(table.detail().select("name", "location"))
    except Exception as error:
        if "No handler found for extension" not in str(error):
            raise
        raise MergeInputError(
            "target: this DeltaTable belongs to a Spark Connect session whose server has no "
            "Delta Connect plugin, so it cannot be described; pass the table name instead "
            "(Databricks serverless and Databricks Connect have the plugin)"
        ) from None
    return name, location


def _is_delta(spark: SparkSession, name: str) -> bool:
    try:
        detail = spark.sql(f"DESCRIBE DETAIL {name}").select("format").head()
    except AnalysisException:
        return False
    return detail is not None and str(detail[0]).lower() == "delta"


def _quoted_name(name: str) -> str:
    return ".".join(backticked(part) for part in name.split("."))


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
