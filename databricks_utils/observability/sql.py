"""Tables resolved for an environment, and the checks (SQL and alert condition) on them.

Each rule type writes its own SQL (``rule_types/``); this module holds what they share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from databricks_utils.catalog.identifiers import quote_identifier

if TYPE_CHECKING:
    from databricks_utils.observability.rule_types import MonteCarloRule

# What a freshness query returns when there is nothing to date (an empty or missing
# table): far above any threshold, so the monitor alerts.
NO_DATA_HOURS = 1_000_000
NO_BASELINE_PERCENT = 1_000_000


@dataclass(frozen=True)
class ResolvedTable:
    """A table's three-part name in one environment.

    Example:
        >>> table = ResolvedTable("dev_analytics", "customer_360_silver", "customers")
        >>> table.mac_id
        'dev_analytics:customer_360_silver.customers'
        >>> table.sql_name
        '`dev_analytics`.`customer_360_silver`.`customers`'
    """

    catalog: str
    schema: str
    table: str

    @property
    def mac_id(self) -> str:
        """Monte Carlo's table id, ``database:schema.table`` (for Databricks: catalog)."""
        return f"{self.catalog}:{self.schema}.{self.table}"

    @property
    def dotted(self) -> str:
        """``catalog.schema.table``."""
        return f"{self.catalog}.{self.schema}.{self.table}"

    @property
    def sql_name(self) -> str:
        """The dotted name with each part quoted, for SQL text."""
        return ".".join(quote_identifier(part) for part in (self.catalog, self.schema, self.table))


@dataclass(frozen=True)
class Check:
    """A query returning one number, and when that number raises an alert."""

    sql: str
    operator: str
    threshold: float
    description: str


def check_for(rule: MonteCarloRule, table: ResolvedTable | None) -> Check:
    """The query and alert condition enforcing ``rule`` on ``table`` (its type's SQL).

    Example:
        >>> from databricks_utils.observability.rule_types import VolumeRule
        >>> rule = VolumeRule(module="m", function="f", table="orders", layer="gold",
        ...                   min_rows=1000)
        >>> check = check_for(rule, ResolvedTable("prod", "sales_gold", "orders"))
        >>> print(check.sql)
        SELECT COUNT(*) AS row_count
        FROM `prod`.`sales_gold`.`orders`
        >>> check.operator, check.threshold
        ('LT', 1000)
    """
    return rule.check(table)
