"""Where the code runs: a Databricks runtime (classic or serverless), or elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

RUNTIME_VERSION_ENV_VAR = "DATABRICKS_RUNTIME_VERSION"
# Some Databricks clusters (DCS) do not set the variable but have this file.
DBR_VERSION_FILE = Path("/databricks/DBR_VERSION")


def databricks_runtime_version() -> str | None:
    """The Databricks Runtime version, or ``None`` when not on Databricks.

    Serverless compute reports ``client.<major>.<minor>``.

    Example:
        >>> databricks_runtime_version()  # on DBR 17.3  # doctest: +SKIP
        '17.3'
    """
    version = os.environ.get(RUNTIME_VERSION_ENV_VAR, "").strip()
    if version:
        return version
    try:
        return DBR_VERSION_FILE.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def is_databricks_runtime() -> bool:
    """True on a Databricks cluster or serverless compute (not in Databricks Apps).

    Example:
        >>> is_databricks_runtime()  # on a laptop  # doctest: +SKIP
        False
    """
    return databricks_runtime_version() is not None


def is_serverless() -> bool:
    """True on Databricks serverless compute.

    Example:
        >>> is_serverless()  # doctest: +SKIP
        False
    """
    return (databricks_runtime_version() or "").startswith("client.")


def is_spark_connect(spark: object) -> bool:
    """True for a Spark Connect session (serverless, Databricks Connect, ``sc://`` servers):
    it has no JVM on the Python side (no ``sparkContext``, ``_jvm`` or ``_jdf``).

    Example:
        >>> spark = SparkSession.builder.remote("sc://localhost").getOrCreate()  # doctest: +SKIP
        >>> is_spark_connect(spark)  # doctest: +SKIP
        True
    """
    return type(spark).__module__.startswith("pyspark.sql.connect")
