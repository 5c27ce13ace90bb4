"""A remote session through Databricks Connect (optional; not a dependency)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from databricks_utils.config.models import DatabricksConnectConfig
from databricks_utils.session.errors import SparkSessionError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def create_connect_session(config: DatabricksConnectConfig) -> SparkSession:
    """A Databricks Connect session for ``config`` (profile, cluster or serverless).

    Credentials come from the Databricks CLI profile or ``DATABRICKS_*`` variables.

    Raises:
        SparkSessionError: when databricks-connect is not installed.
    """
    try:
        from databricks.connect import DatabricksSession
    except ImportError:
        raise SparkSessionError(
            "spark.databricks_connect is configured but databricks-connect is not installed: "
            "pip install databricks-connect, in a virtualenv without pyspark (they conflict)"
        ) from None
    builder: Any = DatabricksSession.builder
    if config.profile:
        builder = builder.profile(config.profile)
    if config.cluster_id:
        builder = builder.clusterId(config.cluster_id)
    if config.serverless:
        builder = builder.serverless(True)
    session: SparkSession = builder.getOrCreate()
    return session
