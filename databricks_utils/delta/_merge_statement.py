"""One SQL ``MERGE INTO`` for every merge of the library, on any supported runtime.

The ``DeltaTable`` Python API needs Delta Connect's server plugin under Spark Connect, and
``DataFrame.mergeInto`` exists only from Spark 4.0; a SQL ``MERGE`` over a temporary view
runs on classic Spark 3.5 and 4.x, on Spark Connect and on Databricks serverless alike, and
returns the rows it wrote.

Example:
    >>> from databricks_utils.delta._sql import source, target
    >>> merge = MergeStatement("main.silver.customers", source("id") == target("id"))
    >>> merge = merge.when_matched_update({"name": source("name")})
    >>> print(merge.sql("v"))
    MERGE INTO main.silver.customers AS t
    USING v AS s
    ON (s.`id` = t.`id`)
    WHEN MATCHED THEN UPDATE SET `name` = s.`name`
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from databricks_utils.delta._sql import Sql
from databricks_utils.delta.columns import INTERNAL_PREFIX, backticked

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Delta's switch for schema evolution in MERGE: the SQL ``MERGE WITH SCHEMA EVOLUTION``
#: clause does not parse on Spark 3.5 and is ignored by OSS Delta 4.0, the setting works on all.
AUTO_MERGE = "spark.databricks.delta.schema.autoMerge.enabled"

#: What a MERGE wrote, by action.
MergeCounts = dict[str, int]


@dataclass(frozen=True)
class MergeStatement:
    """A ``MERGE INTO`` of a source DataFrame, aliased ``s``, into ``table``, aliased ``t``.

    ``table`` is a SQL table reference: a (quoted) name or ``delta.`<path>```. Clauses run
    in the order they are added, as in SQL.
    """

    table: str
    condition: Sql
    clauses: tuple[str, ...] = ()
    schema_evolution: bool = False

    def when_matched_update(
        self, assignments: dict[str, Sql], condition: Sql | None = None
    ) -> MergeStatement:
        """``WHEN MATCHED [AND condition] THEN UPDATE SET …``."""
        return self._clause(f"WHEN MATCHED{_and(condition)} THEN UPDATE SET {_set(assignments)}")

    def when_matched_delete(self, condition: Sql | None = None) -> MergeStatement:
        """``WHEN MATCHED [AND condition] THEN DELETE``."""
        return self._clause(f"WHEN MATCHED{_and(condition)} THEN DELETE")

    def when_not_matched_insert(
        self, values: dict[str, Sql], condition: Sql | None = None
    ) -> MergeStatement:
        """``WHEN NOT MATCHED [AND condition] THEN INSERT (…) VALUES (…)``."""
        names = ", ".join(backticked(name) for name in values)
        inserted = ", ".join(str(value) for value in values.values())
        return self._clause(
            f"WHEN NOT MATCHED{_and(condition)} THEN INSERT ({names}) VALUES ({inserted})"
        )

    def with_schema_evolution(self, enabled: bool = True) -> MergeStatement:
        """Let the MERGE add the source columns the target lacks (through Delta's
        ``schema.autoMerge.enabled`` setting, for this statement only)."""
        return replace(self, schema_evolution=enabled)

    def sql(self, source_view: str) -> str:
        """The statement's text, reading the source from ``source_view``."""
        return "\n".join(
            [
                f"MERGE INTO {self.table} AS t",
                f"USING {source_view} AS s",
                f"ON {self.condition}",
                *self.clauses,
            ]
        )

    def execute(self, source: DataFrame) -> MergeCounts:
        """Run the MERGE with ``source`` as ``s``; the rows inserted, updated and deleted."""
        spark = source.sparkSession
        view = f"{INTERNAL_PREFIX}merge_source_{uuid.uuid4().hex}"
        source.createOrReplaceTempView(view)
        try:
            with _session_setting(spark, AUTO_MERGE, "true" if self.schema_evolution else None):
                row = spark.sql(self.sql(view)).head()
        finally:
            spark.catalog.dropTempView(view)
        metrics = row.asDict() if row is not None else {}
        return {
            "insert": int(metrics.get("num_inserted_rows") or 0),
            "update": int(metrics.get("num_updated_rows") or 0),
            "delete": int(metrics.get("num_deleted_rows") or 0),
        }

    def _clause(self, clause: str) -> MergeStatement:
        return replace(self, clauses=(*self.clauses, clause))


@contextmanager
def _session_setting(spark: SparkSession, key: str, value: str | None) -> Iterator[None]:
    """``key`` set to ``value`` (left alone when ``None``) for the block, then restored."""
    if value is None:
        yield
        return
    previous = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)


def _and(condition: Sql | None) -> str:
    return "" if condition is None else f" AND {condition}"


def _set(assignments: dict[str, Sql]) -> str:
    return ", ".join(f"{backticked(name)} = {value}" for name, value in assignments.items())
