"""``freshness``: alert when the table's newest data is older than ``threshold_hours``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from databricks_utils.catalog.identifiers import quote_identifier
from databricks_utils.observability.rule_types.arguments import (
    InvalidArgumentError,
    column,
    positive,
)
from databricks_utils.observability.rule_types.base import MonteCarloRule
from databricks_utils.observability.sql import NO_DATA_HOURS, Check, ResolvedTable


class FreshnessRule(MonteCarloRule):
    """``threshold_hours``; optional ``timestamp_column`` (else the table's
    ``information_schema.tables.last_altered``).

    Example:
        >>> rule = FreshnessRule(module="m", function="f", table="orders", layer="gold",
        ...                      threshold_hours=24)
        >>> print(rule.table_check(ResolvedTable("prod", "sales_gold", "orders")).sql)
        SELECT COALESCE(MAX(TIMESTAMPDIFF(SECOND, last_altered, CURRENT_TIMESTAMP())) / 3600.0, 1000000) AS hours_since_last_altered
        FROM `prod`.information_schema.tables
        WHERE table_schema = 'sales_gold' AND table_name = 'orders'
    """  # noqa: E501

    ARGUMENTS: ClassVar[tuple[str, ...]] = ("threshold_hours", "timestamp_column")
    DEFAULT_SCHEDULE_MINUTES: ClassVar[int] = 60

    rule_type: Literal["freshness"] = "freshness"
    threshold_hours: int | float
    timestamp_column: str | None = None

    @classmethod
    def validate_arguments(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """``threshold_hours`` (required, positive) and ``timestamp_column``."""
        if "threshold_hours" not in given:
            raise InvalidArgumentError(
                "threshold_hours", "freshness rules need threshold_hours (e.g. 24)"
            )
        values: dict[str, Any] = {
            "threshold_hours": positive("threshold_hours", given["threshold_hours"], "hours")
        }
        if "timestamp_column" in given:
            values["timestamp_column"] = column("timestamp_column", given["timestamp_column"])
        return values

    def table_check(self, table: ResolvedTable) -> Check:
        """Hours since the newest row (or the last change of the table) above the threshold."""
        hours = self.threshold_hours
        what = f"{table.dotted}: alert when the newest data is more than {hours:g} hours old"
        if self.timestamp_column is not None:
            name = quote_identifier(self.timestamp_column)
            sql = (
                f"SELECT COALESCE(TIMESTAMPDIFF(SECOND, MAX({name}), CURRENT_TIMESTAMP())"
                f" / 3600.0, {NO_DATA_HOURS}) AS hours_since_newest_row\n"
                f"FROM {table.sql_name}"
            )
        else:
            # One aggregate row even when the table is missing: then it counts as stale.
            sql = (
                "SELECT COALESCE(MAX(TIMESTAMPDIFF(SECOND, last_altered, CURRENT_TIMESTAMP()))"
                f" / 3600.0, {NO_DATA_HOURS}) AS hours_since_last_altered\n"
                f"FROM {quote_identifier(table.catalog)}.information_schema.tables\n"
                f"WHERE table_schema = '{table.schema}' AND table_name = '{table.table}'"
            )
        return Check(sql, "GT", hours, what)
