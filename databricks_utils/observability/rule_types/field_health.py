"""``field_health``: one column's null rate, duplicate rate or value range."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from databricks_utils.catalog.identifiers import quote_identifier
from databricks_utils.observability.rule_types.arguments import (
    InvalidArgumentError,
    column,
    number,
    ordered,
    percent,
)
from databricks_utils.observability.rule_types.base import MonteCarloRule
from databricks_utils.observability.sql import Check, ResolvedTable

_CHECKS = ("max_null_percent", "max_duplicate_percent", "min_value", "max_value")


class FieldHealthRule(MonteCarloRule):
    """``column`` and one of ``max_null_percent``, ``max_duplicate_percent``, or
    ``min_value`` and/or ``max_value``.

    Example:
        >>> rule = FieldHealthRule(module="m", function="f", table="customers",
        ...                        layer="silver", column="email", max_null_percent=5)
        >>> rule.table_check(ResolvedTable("dev", "crm_silver", "customers")).description
        'dev.crm_silver.customers.email: alert when more than 5% are null'
    """

    ARGUMENTS: ClassVar[tuple[str, ...]] = ("column", *_CHECKS)
    DEFAULT_SCHEDULE_MINUTES: ClassVar[int] = 720

    rule_type: Literal["field_health"] = "field_health"
    column: str
    max_null_percent: int | float | None = None
    max_duplicate_percent: int | float | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None

    @classmethod
    def validate_arguments(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """The column, and exactly one check on it."""
        if "column" not in given:
            raise InvalidArgumentError("column", "field_health rules need the column they check")
        values: dict[str, Any] = {"column": column("column", given["column"])}
        kinds = [key for key in _CHECKS if key in given]
        ranges = [key for key in kinds if key in ("min_value", "max_value")]
        checks = len(kinds) - len(ranges) + (1 if ranges else 0)
        if checks != 1:
            raise InvalidArgumentError(
                kinds[1] if len(kinds) > 1 else "max_null_percent",
                "field_health rules need exactly one check: max_null_percent, "
                "max_duplicate_percent, or min_value/max_value"
                + (f"; got {', '.join(kinds)}" if kinds else ""),
            )
        for key in kinds:
            if key in ("min_value", "max_value"):
                values[key] = number(key, given[key])
            else:
                values[key] = percent(key, given[key])
        ordered("min_value", "max_value", values.get("min_value"), values.get("max_value"))
        return values

    def name_parts(self) -> tuple[str, ...]:
        """The column: rules on two columns of one table get two names."""
        return (self.column,)

    def table_check(self, table: ResolvedTable) -> Check:
        """The null percentage, duplicate percentage, or count of rows out of range."""
        name = quote_identifier(self.column)
        field = f"{table.dotted}.{self.column}"
        if self.max_null_percent is not None:
            sql = (
                f"SELECT COALESCE(COUNT_IF({name} IS NULL) * 100.0 / NULLIF(COUNT(*), 0), 0)"
                f" AS null_percent\nFROM {table.sql_name}"
            )
            limit = self.max_null_percent
            return Check(sql, "GT", limit, f"{field}: alert when more than {limit:g}% are null")
        if self.max_duplicate_percent is not None:
            sql = (
                f"SELECT COALESCE((COUNT({name}) - COUNT(DISTINCT {name})) * 100.0"
                f" / NULLIF(COUNT({name}), 0), 0) AS duplicate_percent\nFROM {table.sql_name}"
            )
            limit = self.max_duplicate_percent
            what = f"{field}: alert when more than {limit:g}% of non-null values are duplicates"
            return Check(sql, "GT", limit, what)
        conditions = []
        if self.min_value is not None:
            conditions.append(f"{name} < {self.min_value!r}")
        if self.max_value is not None:
            conditions.append(f"{name} > {self.max_value!r}")
        sql = f"SELECT COUNT(*) AS rows_out_of_range\nFROM {table.sql_name}\nWHERE " + " OR ".join(
            conditions
        )
        low = "-inf" if self.min_value is None else f"{self.min_value:g}"
        high = "inf" if self.max_value is None else f"{self.max_value:g}"
        return Check(sql, "GT", 0, f"{field}: alert when any value is outside {low}..{high}")
