"""Silver customers: a freshness rule and a null-rate check."""

from __future__ import annotations

from typing import Any

from databricks_utils.observability import monte_carlo_rule

CALLS: list[str] = []


@monte_carlo_rule(
    rule_type="freshness", threshold_hours=24, severity="high", table="customers", layer="silver"
)
@monte_carlo_rule(
    rule_type="field_health",
    column="email",
    max_null_percent=5,
    severity="low",
    table="customers",
    layer="silver",
    audiences=["data-eng-oncall"],
)
def create_silver_customers(spark: Any, day: str = "today") -> str:
    """Build silver.customers from bronze.raw_customers."""
    CALLS.append(day)
    return f"built {day}"
