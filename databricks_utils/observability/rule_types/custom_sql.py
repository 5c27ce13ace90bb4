"""``custom_sql``: any query returning one number, compared with a threshold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from databricks_utils.observability.rule_types.arguments import (
    InvalidArgumentError,
    number,
    operator,
)
from databricks_utils.observability.rule_types.base import TABLE_PLACEHOLDER, MonteCarloRule
from databricks_utils.observability.sql import Check, ResolvedTable


class CustomSqlRule(MonteCarloRule):
    """``sql`` returning one number, ``operator`` (``GT``, ``GTE``, ``LT``, ``LTE``, ``EQ``,
    ``NEQ`` or ``>``, ``>=``, ...) and ``threshold``; ``{table}`` in the SQL becomes the
    resolved table name. The table is optional.

    Example:
        >>> rule = CustomSqlRule(module="m", function="f", sql="SELECT 1", operator="GT",
        ...                      threshold=0)
        >>> rule.check(None).description
        'alert when the query result is GT 0'
    """

    ARGUMENTS: ClassVar[tuple[str, ...]] = ("sql", "operator", "threshold")
    DEFAULT_SCHEDULE_MINUTES: ClassVar[int] = 720
    NEEDS_TABLE: ClassVar[bool] = False

    rule_type: Literal["custom_sql"] = "custom_sql"
    sql: str
    operator: str
    threshold: int | float

    @classmethod
    def validate_arguments(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """``sql``, ``operator`` and ``threshold``, all required."""
        for required in ("sql", "operator", "threshold"):
            if required not in given:
                raise InvalidArgumentError(
                    required, "custom_sql rules need sql, operator and threshold"
                )
        sql = given["sql"]
        if not isinstance(sql, str) or not sql.strip().rstrip(";").strip():
            raise InvalidArgumentError("sql", "must be a non-empty SQL query returning one number")
        # Monte Carlo runs the query as given; some warehouses reject a trailing ';'.
        sql = sql.strip().rstrip(";").rstrip()
        if TABLE_PLACEHOLDER in sql and "table" not in given:
            raise InvalidArgumentError("sql", "uses {table} but the rule names no table")
        return {
            "sql": sql,
            "operator": operator(given["operator"]),
            "threshold": number("threshold", given["threshold"]),
        }

    def check(self, table: ResolvedTable | None) -> Check:
        """The query as written, ``{table}`` replaced by the resolved table."""
        sql = self.sql
        if table is not None:
            sql = sql.replace(TABLE_PLACEHOLDER, table.sql_name)
        target = f"{table.dotted}: " if table is not None else ""
        what = f"{target}alert when the query result is {self.operator} {self.threshold:g}"
        return Check(sql, self.operator, self.threshold, what)
