"""A module that only imports on Databricks (the `dlt` module exists only there)."""

from __future__ import annotations

import dlt  # type: ignore[import-not-found]

from databricks_utils.observability import monte_carlo_rule


@monte_carlo_rule(rule_type="freshness", threshold_hours=1, table="events", layer="bronze")
@dlt.table  # type: ignore[untyped-decorator]
def events() -> None:
    """Never registered off Databricks."""
