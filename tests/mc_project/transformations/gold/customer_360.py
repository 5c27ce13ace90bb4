"""Gold customer_360: day-over-day volume and a row-count floor in prod."""

from __future__ import annotations

from typing import Any

from databricks_utils.observability import monte_carlo_rule


@monte_carlo_rule(
    rule_type="volume",
    threshold_change_percent=20,
    timestamp_column="updated_at",
    severity="medium",
    table="customer_360",
    layer="gold",
    tags={"team": "crm", "tier": "gold"},
)
def create_gold_customer_360(spark: Any) -> None:
    """Build gold.customer_360."""


class Checks:
    """Rules may sit on methods too."""

    @staticmethod
    @monte_carlo_rule(
        rule_type="volume",
        min_rows=1000,
        table="customer_360",
        layer="gold",
        name="customer_360_row_floor",
        enabled_in=("prod",),
        severity="critical",
    )
    def row_floor() -> None:
        """Only prod has enough customers for a floor."""
