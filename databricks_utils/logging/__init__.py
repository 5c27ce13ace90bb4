"""Pipeline run logging: the standard `logging` API, with every record also a row in Delta.

Example:
    >>> from databricks_utils.logging import get_logger
    >>> log = get_logger(domain="member", process="silver_transform", config=cfg)
    ... # doctest: +SKIP
    >>> log.info("Removed 150 dupes", extra={"step": "deduplication", "status": "success"})
    ... # doctest: +SKIP
    >>> with log.step("deduplication") as step:  # doctest: +SKIP
    ...     step.info("Removed %d dupes", 150)
    >>> log.flush()  # doctest: +SKIP
"""

from databricks_utils.logging.adapter import PipelineLogger, Step
from databricks_utils.logging.console import ConsoleFormatter, ConsoleHandler
from databricks_utils.logging.context import RUN_ID_ENV_VAR, current_run_id, current_user
from databricks_utils.logging.factory import LOGGER_PREFIX, get_logger, resolve_log_table
from databricks_utils.logging.handler import DeltaLogHandler
from databricks_utils.logging.schema import LOG_COLUMNS, Column
from databricks_utils.logging.table import create_log_table, log_table_ddl, log_table_schema

__all__ = [
    "LOGGER_PREFIX",
    "LOG_COLUMNS",
    "RUN_ID_ENV_VAR",
    "Column",
    "ConsoleFormatter",
    "ConsoleHandler",
    "DeltaLogHandler",
    "PipelineLogger",
    "Step",
    "create_log_table",
    "current_run_id",
    "current_user",
    "get_logger",
    "log_table_ddl",
    "log_table_schema",
    "resolve_log_table",
]
