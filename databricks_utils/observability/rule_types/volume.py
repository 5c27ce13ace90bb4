"""``volume``: the row count within bounds, or its day-over-day change within a percentage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from databricks_utils.catalog.identifiers import quote_identifier
from databricks_utils.observability.rule_types.arguments import (
    InvalidArgumentError,
    column,
    ordered,
    positive,
    row_count,
)
from databricks_utils.observability.rule_types.base import MonteCarloRule
from databricks_utils.observability.sql import NO_BASELINE_PERCENT, Check, ResolvedTable


class VolumeRule(MonteCarloRule):
    """``threshold_change_percent`` (day-over-day change of the row count), or ``min_rows``
    and/or ``max_rows``.

    The day-over-day change compares the last two complete days: with
    ``timestamp_column``, the rows dated yesterday against those dated the day before;
    without, the table's row count at the end of yesterday against the end of the day
    before, read with Delta time travel (``TIMESTAMP AS OF`` today's and yesterday's
    midnight), which needs no column and counts every row however it was written.

    Example:
        >>> rule = VolumeRule(module="m", function="f", table="orders", layer="gold",
        ...                   min_rows=1000)
        >>> check = rule.table_check(ResolvedTable("prod", "sales_gold", "orders"))
        >>> print(check.sql)
        SELECT COUNT(*) AS row_count
        FROM `prod`.`sales_gold`.`orders`
        >>> check.operator, check.threshold
        ('LT', 1000)
    """

    ARGUMENTS: ClassVar[tuple[str, ...]] = (
        "threshold_change_percent",
        "min_rows",
        "max_rows",
        "timestamp_column",
    )
    DEFAULT_SCHEDULE_MINUTES: ClassVar[int] = 1440

    rule_type: Literal["volume"] = "volume"
    threshold_change_percent: int | float | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    timestamp_column: str | None = None

    @classmethod
    def validate_arguments(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """A percentage (with its ``timestamp_column``), or row bounds; not both."""
        percent = "threshold_change_percent" in given
        absolute = "min_rows" in given or "max_rows" in given
        if percent == absolute:
            raise InvalidArgumentError(
                "threshold_change_percent",
                "volume rules need either threshold_change_percent or min_rows/max_rows"
                + (", not both" if percent else ""),
            )
        values: dict[str, Any]
        if percent:
            change = positive("threshold_change_percent", given["threshold_change_percent"], "%")
            values = {"threshold_change_percent": change}
        else:
            values = {
                key: row_count(key, given[key]) for key in ("min_rows", "max_rows") if key in given
            }
            ordered("min_rows", "max_rows", values.get("min_rows"), values.get("max_rows"))
        if "timestamp_column" in given:
            values["timestamp_column"] = column("timestamp_column", given["timestamp_column"])
        return values

    def table_check(self, table: ResolvedTable) -> Check:
        """The day-over-day change, or the row count against its bounds."""
        if self.threshold_change_percent is not None:
            if self.timestamp_column is None:
                return self._snapshot_change(table, self.threshold_change_percent)
            return self._change(table, self.threshold_change_percent, self.timestamp_column)
        low, high = self.min_rows, self.max_rows
        count = f"SELECT COUNT(*) AS row_count\nFROM {table.sql_name}"
        if high is None:
            what = f"{table.dotted}: alert when it has fewer than {low} rows"
            return Check(count, "LT", low or 0, what)
        if low is None:
            what = f"{table.dotted}: alert when it has more than {high} rows"
            return Check(count, "GT", high, what)
        sql = (
            f"SELECT CASE WHEN row_count < {low} THEN row_count - {low}"
            f" WHEN row_count > {high} THEN row_count - {high} ELSE 0 END AS rows_outside_range\n"
            f"FROM (SELECT COUNT(*) AS row_count FROM {table.sql_name})"
        )
        what = f"{table.dotted}: alert when the row count is outside {low}..{high}"
        return Check(sql, "NEQ", 0, what)

    def _change(self, table: ResolvedTable, percent: float, timestamp_column: str) -> Check:
        day = f"CAST({quote_identifier(timestamp_column)} AS DATE)"
        latest = f"COUNT_IF({day} = DATE_SUB(CURRENT_DATE(), 1))"
        previous = f"COUNT_IF({day} = DATE_SUB(CURRENT_DATE(), 2))"
        # Complete days only (yesterday against the day before), so a partly loaded today
        # never alerts. No rows the day before: 0 % if none yesterday either, else an alert.
        sql = (
            f"SELECT COALESCE(ABS({latest} - {previous}) * 100.0 / NULLIF({previous}, 0),"
            f" CASE WHEN {latest} = 0 THEN 0 ELSE {NO_BASELINE_PERCENT} END)"
            " AS row_count_change_percent\n"
            f"FROM {table.sql_name}\n"
            f"WHERE {day} BETWEEN DATE_SUB(CURRENT_DATE(), 2) AND DATE_SUB(CURRENT_DATE(), 1)"
        )
        what = (
            f"{table.dotted}: alert when yesterday's row count (by {timestamp_column}) differs "
            f"from the day before by more than {percent:g}%"
        )
        return Check(sql, "GT", percent, what)

    def _snapshot_change(self, table: ResolvedTable, percent: float) -> Check:
        # The table as it was at today's and at yesterday's midnight (session time zone):
        # the ends of the last two complete days.
        def count_at(day: str) -> str:
            return (
                f"SELECT COUNT(*) AS row_count FROM {table.sql_name}"
                f" TIMESTAMP AS OF CAST({day} AS TIMESTAMP)"
            )

        sql = (
            "SELECT COALESCE(ABS(latest.row_count - previous.row_count) * 100.0"
            " / NULLIF(previous.row_count, 0),"
            f" CASE WHEN latest.row_count = 0 THEN 0 ELSE {NO_BASELINE_PERCENT} END)"
            " AS row_count_change_percent\n"
            f"FROM ({count_at('CURRENT_DATE()')}) AS latest\n"
            f"CROSS JOIN ({count_at('DATE_SUB(CURRENT_DATE(), 1)')}) AS previous"
        )
        what = (
            f"{table.dotted}: alert when its row count at the end of yesterday differs from "
            f"the end of the day before by more than {percent:g}% (Delta time travel)"
        )
        return Check(sql, "GT", percent, what)
