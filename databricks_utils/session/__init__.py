"""Spark sessions: Databricks-provided, Databricks Connect, or local with Delta Lake.

Example:
    >>> from databricks_utils.session import SparkSessionFactory
    >>> spark = SparkSessionFactory.create("local")  # doctest: +SKIP
"""

from databricks_utils.session.errors import SparkConfigNotAppliedWarning, SparkSessionError
from databricks_utils.session.factory import SparkSessionFactory
from databricks_utils.session.runtime import (
    databricks_runtime_version,
    is_databricks_runtime,
    is_serverless,
    is_spark_connect,
)

__all__ = [
    "SparkConfigNotAppliedWarning",
    "SparkSessionError",
    "SparkSessionFactory",
    "databricks_runtime_version",
    "is_databricks_runtime",
    "is_serverless",
    "is_spark_connect",
]
