"""One entry point for a Spark session wherever the code runs."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from databricks_utils.config.loader import ConfigLoader
from databricks_utils.config.models import EnvironmentConfig, SparkConfig
from databricks_utils.session.connect import create_connect_session
from databricks_utils.session.errors import SparkConfigNotAppliedWarning, SparkSessionError
from databricks_utils.session.existing import apply_runtime_settings, current_setting
from databricks_utils.session.local import (
    DELTA_EXTENSION,
    create_local_session,
    jvm_start_advice,
    local_settings,
    startup_settings,
)
from databricks_utils.session.remote import create_remote_session, remote_url
from databricks_utils.session.runtime import is_databricks_runtime, is_serverless

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class SparkSessionFactory:
    """Gives the right Spark session for an environment's config.

    - On Databricks (``DATABRICKS_RUNTIME_VERSION`` set, or ``/databricks/DBR_VERSION``
      present): the session the runtime provides, never a new one, never stopped. The
      runtime-settable ``spark.config`` entries are applied with ``spark.conf.set``; static
      ones are skipped with one warning; serverless refusals are skipped the same way.
    - With ``spark.databricks_connect`` configured: a Databricks Connect session.
    - With ``spark.remote`` configured or ``SPARK_REMOTE`` set: a Spark Connect session,
      ``sc://host:port`` or ``local[N]`` (a Connect server with Delta Lake in this process).
    - Otherwise: a local session with Delta Lake (jars through ``spark.jars.packages`` or
      ``spark.jars_dir``), reusing the session already running in this process.

    Example:
        >>> from databricks_utils.session import SparkSessionFactory
        >>> spark = SparkSessionFactory.create("local")  # doctest: +SKIP
        >>> spark.range(3).count()  # doctest: +SKIP
        3
    """

    @classmethod
    def create(
        cls,
        env: str,
        config_path: str | os.PathLike[str] | None = None,
        *,
        overrides: Mapping[str, Any] | None = None,
    ) -> SparkSession:
        """Load the config of ``env`` and get its session.

        ``env``, ``config_path`` and ``overrides`` are as in
        [`ConfigLoader.load`][databricks_utils.config.ConfigLoader.load].

        Raises:
            ConfigError: when the configuration is invalid.
            SparkSessionError: when no session can be had, saying why and what to do.
        """
        return cls.from_config(ConfigLoader.load(env, config_path, overrides))

    @classmethod
    def from_config(cls, config: EnvironmentConfig) -> SparkSession:
        """The session for an already loaded config.

        Example:
            >>> spark = SparkSessionFactory.from_config(cfg)  # doctest: +SKIP
        """
        spark_config = config.spark
        if is_databricks_runtime():
            spark = _active_session()
            if spark is None:
                raise SparkSessionError(
                    "running on Databricks, but no active Spark session was found; "
                    "call this from a notebook or job task, where the runtime provides one"
                )
            apply_runtime_settings(spark, spark_config.config, tolerate_refusals=is_serverless())
            return spark
        if spark_config.databricks_connect is not None:
            spark = create_connect_session(spark_config.databricks_connect)
            apply_runtime_settings(spark, spark_config.config, tolerate_refusals=True)
            return spark
        url = remote_url(spark_config)
        if url is not None:
            return _remote_session(url, spark_config)
        running = _active_session()
        if running is None:
            return create_local_session(spark_config)
        _warn_unless_delta(running)
        settings = local_settings(spark_config)
        settings.pop("spark.jars.packages", None)  # merged with Delta's package at start
        apply_runtime_settings(running, settings, tolerate_refusals=False)
        return running


def _remote_session(url: str, config: SparkConfig) -> SparkSession:
    if url.startswith("local"):
        # pyspark starts the server in this process, from the settings of a local session.
        settings = startup_settings(config)
        settings["spark.app.name"] = config.app_name
        with jvm_start_advice(config):
            return create_remote_session(url, settings)
    spark = create_remote_session(url, {})
    apply_runtime_settings(spark, config.config, tolerate_refusals=True)
    return spark


def _warn_unless_delta(spark: SparkSession) -> None:
    if DELTA_EXTENSION not in (current_setting(spark, "spark.sql.extensions") or ""):
        warnings.warn(
            "the Spark session already running in this process was not started with Delta "
            "Lake (spark.sql.extensions lacks io.delta.sql.DeltaSparkSessionExtension), so Delta "
            "tables will not work in it; stop it (spark.stop()) before calling "
            "SparkSessionFactory, or start it through SparkSessionFactory",
            SparkConfigNotAppliedWarning,
            stacklevel=3,
        )


def _active_session() -> SparkSession | None:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        if is_databricks_runtime():
            raise SparkSessionError(
                "running on Databricks, but pyspark cannot be imported"
            ) from None
        return None
    session: SparkSession | None = SparkSession.getActiveSession()
    if session is None:
        # getActiveSession() is per thread; the default session is process wide.
        try:
            session = SparkSession.active()
        except Exception:
            return None
    return session
