"""`get_logger`: one call for a pipeline logger writing to the console and to Delta."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from databricks_utils.catalog.helper import CatalogHelper
from databricks_utils.catalog.identifiers import validate_qualified_name
from databricks_utils.config.models import EnvironmentConfig, LoggingConfig
from databricks_utils.logging.adapter import OWNED_MARK, PipelineLogger
from databricks_utils.logging.console import ConsoleHandler
from databricks_utils.logging.handler import DeltaLogHandler

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOGGER_PREFIX = "databricks_utils.pipeline"


def get_logger(
    domain: str,
    process: str,
    table: str | None = None,
    config: EnvironmentConfig | None = None,
    spark: SparkSession | None = None,
) -> PipelineLogger:
    """A logger for one pipeline process, writing to the console and to a Delta table.

    The logger is ``logging.getLogger("databricks_utils.pipeline.<domain>.<process>")``
    wrapped in a [`PipelineLogger`][databricks_utils.logging.PipelineLogger]. Its records
    go to the console (stderr) and, when a Spark session is available, to the log table
    through a [`DeltaLogHandler`][databricks_utils.logging.DeltaLogHandler]. It does not
    propagate to the root logger, so notebook and job log setups do not print lines twice.

    Calling it again with the same domain and process (a notebook cell run twice) reuses
    the handlers; when the table, session or buffering settings changed, the old Delta
    handler is flushed and replaced, and records it could not write move to the new one.

    Args:
        domain: Business domain, e.g. ``member`` (the ``domain`` column).
        process: Pipeline process, e.g. ``silver_transform`` (the ``process`` column).
        table: The log table. A qualified ``schema.table`` or ``catalog.schema.table`` is
            used as written; a bare name is placed by
            [`CatalogHelper`][databricks_utils.catalog.CatalogHelper] in the schema of
            ``config.logging.layer``. Default: ``config.logging.table``.
        config: The environment's config: names the table and sets ``logging.level``,
            ``batch_size``, ``flush_interval_seconds`` and ``max_buffered_records``;
            ``logging.table: null`` keeps the logger on the console.
            Without it, a bare table name (default ``pipeline_logs``) is resolved in the
            session's current schema, and the defaults of
            [`LoggingConfig`][databricks_utils.config.LoggingConfig] apply.
        spark: The session that writes. Default: the active session. Without one (or
            without pyspark) the logger writes to the console only; no session is started.

    Raises:
        ValueError: for an empty domain or process.
        NamingError: for an invalid table name.

    Example:
        >>> from databricks_utils.logging import get_logger
        >>> log = get_logger(domain="member", process="silver_transform", config=cfg)
        ... # doctest: +SKIP
        >>> with log.step("deduplication"):  # doctest: +SKIP
        ...     log.info("Removed %d dupes", 150)
        >>> log.flush()  # doctest: +SKIP
    """
    for kind, value in (("domain", domain), ("process", process)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{kind} must be a non-empty string, got {value!r}")
    settings = config.logging if config is not None else LoggingConfig()
    logger = logging.getLogger(f"{LOGGER_PREFIX}.{domain}.{process}")
    logger.setLevel(settings.level)
    logger.propagate = False
    if not any(isinstance(h, ConsoleHandler) and _owned(h) for h in logger.handlers):
        logger.addHandler(_mark(ConsoleHandler()))
    session = spark if spark is not None else _active_session()
    target = None if session is None else resolve_log_table(table, config)
    _install_delta_handler(
        logger, domain=domain, process=process, table=target, spark=session, settings=settings
    )
    return PipelineLogger(logger, domain, process)


def resolve_log_table(table: str | None, config: EnvironmentConfig | None) -> str | None:
    """The log table `get_logger` writes to; ``None`` for the console only.

    Example:
        >>> from databricks_utils.config import EnvironmentConfig
        >>> cfg = EnvironmentConfig(
        ...     environment="dev", catalog={"name": "dev_analytics", "schema": "customer_360"}
        ... )
        >>> resolve_log_table(None, cfg)
        'dev_analytics.customer_360_bronze.pipeline_logs'
        >>> resolve_log_table("runs", cfg)
        'dev_analytics.customer_360_bronze.runs'
        >>> resolve_log_table("ops.pipeline_logs", cfg)
        'ops.pipeline_logs'
        >>> resolve_log_table(None, None)
        'pipeline_logs'
        >>> console_only = cfg.model_copy(update={"logging": LoggingConfig(table=None)})
        >>> print(resolve_log_table(None, console_only))
        None
    """
    settings = config.logging if config is not None else LoggingConfig()
    wanted = table if table is not None else settings.table
    if wanted is None:
        return None
    name = validate_qualified_name(wanted, kind="table")
    if "." in name or config is None:
        return name
    return CatalogHelper(config).table_name(settings.layer, name)


def _install_delta_handler(
    logger: logging.Logger,
    *,
    domain: str,
    process: str,
    table: str | None,
    spark: SparkSession | None,
    settings: LoggingConfig,
) -> None:
    current = next(
        (h for h in logger.handlers if isinstance(h, DeltaLogHandler) and _owned(h)), None
    )
    if current is not None and (
        current.table == table
        and current.spark is spark
        and current.batch_size == settings.batch_size
        and current.flush_interval_seconds == settings.flush_interval_seconds
        and current.max_buffered_records == settings.max_buffered_records
    ):
        return
    carried = []
    if current is not None:
        logger.removeHandler(current)
        if current.table == table:
            carried = current.take_pending()
        current.close()
    if table is None or spark is None:
        return
    handler = DeltaLogHandler(
        table,
        spark,
        domain=domain,
        process=process,
        batch_size=settings.batch_size,
        flush_interval_seconds=settings.flush_interval_seconds,
        max_buffered_records=settings.max_buffered_records,
    )
    handler.add_rows(carried)
    logger.addHandler(_mark(handler))


def _active_session() -> SparkSession | None:
    # A session can only be running if pyspark was imported: do not import it for nothing.
    if "pyspark" not in sys.modules:
        return None
    try:
        from pyspark.sql import SparkSession

        return SparkSession.getActiveSession() or SparkSession.active()
    except Exception:
        return None


def _mark(handler: logging.Handler) -> logging.Handler:
    setattr(handler, OWNED_MARK, True)
    return handler


def _owned(handler: logging.Handler) -> bool:
    return bool(getattr(handler, OWNED_MARK, False))
