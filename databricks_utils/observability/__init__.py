"""Monte Carlo rules as code: decorators next to transformations, synced to Monte Carlo.

Declare rules where the table is built, export them as a monitors-as-code project, and
sync them to a Monte Carlo namespace with pycarlo (extra ``montecarlo``). Declaring and
exporting rules need neither pycarlo nor Spark.

Example:
    >>> from databricks_utils.observability import MonteCarloSync, monte_carlo_rule
    >>> @monte_carlo_rule(rule_type="freshness", threshold_hours=24, severity="high",
    ...                   table="customers", layer="silver")
    ... def create_silver_customers(spark): ...
    >>> sync = MonteCarloSync(config=cfg)  # doctest: +SKIP
    >>> sync.register_rules_from_module("src.transformations")  # doctest: +SKIP
    >>> sync.apply()  # doctest: +SKIP
"""

from databricks_utils.observability.client import RetryPolicy
from databricks_utils.observability.credentials import MonteCarloCredentials
from databricks_utils.observability.discovery import ImportFailure, discover_rules
from databricks_utils.observability.errors import (
    MacExportError,
    MonteCarloApplyError,
    MonteCarloConnectionError,
    MonteCarloCredentialsError,
    MonteCarloError,
    MonteCarloRequestError,
    MonteCarloValidationError,
    RuleDiscoveryError,
    RuleImportWarning,
    SyncRefusedError,
)
from databricks_utils.observability.monitors import (
    Monitor,
    MonitorNameCollisionError,
    monitor_name,
)
from databricks_utils.observability.plan import ApplyResult, MonitorChange, Plan
from databricks_utils.observability.rule_types import (
    CustomSqlRule,
    FieldHealthRule,
    FreshnessRule,
    VolumeRule,
)
from databricks_utils.observability.rules import (
    RULE_TYPES,
    SEVERITY_PRIORITY,
    MonteCarloRule,
    monte_carlo_rule,
    rules_of,
)
from databricks_utils.observability.sql import ResolvedTable
from databricks_utils.observability.sync import MonteCarloSync

__all__ = [
    "RULE_TYPES",
    "SEVERITY_PRIORITY",
    "ApplyResult",
    "CustomSqlRule",
    "FieldHealthRule",
    "FreshnessRule",
    "ImportFailure",
    "MacExportError",
    "Monitor",
    "MonitorChange",
    "MonitorNameCollisionError",
    "MonteCarloApplyError",
    "MonteCarloConnectionError",
    "MonteCarloCredentials",
    "MonteCarloCredentialsError",
    "MonteCarloError",
    "MonteCarloRequestError",
    "MonteCarloRule",
    "MonteCarloSync",
    "MonteCarloValidationError",
    "Plan",
    "ResolvedTable",
    "RetryPolicy",
    "RuleDiscoveryError",
    "RuleImportWarning",
    "SyncRefusedError",
    "VolumeRule",
    "discover_rules",
    "monitor_name",
    "monte_carlo_rule",
    "rules_of",
]
