"""Hierarchical YAML configuration: ``defaults.yaml`` -> ``<env>.yaml`` -> overrides.

Example:
    >>> from databricks_utils.config import ConfigLoader
    >>> cfg = ConfigLoader.load("dev")  # doctest: +SKIP
    >>> cfg.spark.config["spark.sql.shuffle.partitions"]  # doctest: +SKIP
    '8'
"""

from typing import TYPE_CHECKING, Any

from databricks_utils.config.errors import ConfigError, ConfigProblem
from databricks_utils.config.loader import CONFIG_DIR_ENV_VAR, ConfigLoader
from databricks_utils.config.models import (
    CatalogConfig,
    DatabricksConnectConfig,
    EnvironmentConfig,
    LoggingConfig,
    MonteCarloConfig,
    SparkConfig,
)

if TYPE_CHECKING:
    from databricks_utils.session.factory import SparkSessionFactory

__all__ = [
    "CONFIG_DIR_ENV_VAR",
    "CatalogConfig",
    "ConfigError",
    "ConfigLoader",
    "ConfigProblem",
    "DatabricksConnectConfig",
    "EnvironmentConfig",
    "LoggingConfig",
    "MonteCarloConfig",
    "SparkConfig",
    "SparkSessionFactory",
]


def __getattr__(name: str) -> Any:
    # databricks_utils.session imports this package; resolving the factory lazily breaks the cycle.
    if name == "SparkSessionFactory":
        from databricks_utils.session.factory import SparkSessionFactory

        return SparkSessionFactory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
