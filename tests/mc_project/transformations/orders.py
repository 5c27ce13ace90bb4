"""Orders: a custom SQL check and a rule on a fully qualified table."""

from __future__ import annotations

from typing import Any

from databricks_utils.observability import monte_carlo_rule


@monte_carlo_rule(
    rule_type="custom_sql",
    sql="SELECT COUNT(*) FROM {table} WHERE amount < 0",
    operator=">",
    threshold=0,
    table="orders",
    layer="silver",
    description="Orders must never have a negative amount",
    schedule_minutes=30,
)
@monte_carlo_rule(
    rule_type="freshness",
    threshold_hours=6,
    timestamp_column="ingested_at",
    table="shared_raw.erp.orders_feed",
    severity="info",
)
def create_silver_orders(spark: Any) -> None:
    """Build silver.orders from the ERP feed."""
