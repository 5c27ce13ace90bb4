"""Silver sessions: imports anywhere."""

from __future__ import annotations

from typing import Any

from databricks_utils.observability import monte_carlo_rule


@monte_carlo_rule(rule_type="volume", min_rows=1, table="sessions", layer="silver")
def create_silver_sessions(spark: Any) -> None:
    """Build silver.sessions."""
