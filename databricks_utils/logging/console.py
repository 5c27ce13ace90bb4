"""Readable console lines: UTC time, level, ``domain/process [step]`` and the message."""

from __future__ import annotations

import contextlib
import logging
import sys
import time

from databricks_utils.logging.schema import (
    DOMAIN_ATTR,
    PROCESS_ATTR,
    STEP_ATTR,
    record_message,
)


class ConsoleFormatter(logging.Formatter):
    """Formats records as ``<UTC time> <LEVEL> <domain>/<process> [<step>] <message>``.

    Records not logged through a `PipelineLogger` show their logger name instead of
    ``domain/process``. Exceptions logged with ``exc_info`` follow on the next lines.

    Example:
        >>> record = logging.makeLogRecord({
        ...     "msg": "Removed %d dupes", "args": (150,), "levelname": "INFO",
        ...     "created": 1714564800.25, "msecs": 250.0, "pipeline_domain": "member",
        ...     "pipeline_process": "silver_transform", "step": "deduplication"})
        >>> print(ConsoleFormatter().format(record))
        2024-05-01 12:00:00.250Z INFO     member/silver_transform [deduplication] Removed 150 dupes
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line (plus the traceback of a logged exception)."""
        utc = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(record.created))
        stamp = f"{utc}.{int(record.msecs):03d}Z"
        domain = getattr(record, DOMAIN_ATTR, None)
        process = getattr(record, PROCESS_ATTR, None)
        where = f"{domain}/{process}" if domain and process else record.name
        step = getattr(record, STEP_ATTR, None)
        line = (
            f"{stamp} {record.levelname:<8} {where}{f' [{step}]' if step else ''} "
            f"{record_message(record)}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class ConsoleHandler(logging.Handler):
    """Writes formatted records to the *current* ``sys.stderr``.

    Looking the stream up on every record keeps the output visible where notebooks and
    test runners replace ``sys.stderr`` after the handler was made.
    """

    def __init__(self, level: int | str = logging.NOTSET) -> None:
        super().__init__(level)
        self.setFormatter(ConsoleFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        """Write one formatted record and a newline."""
        try:
            sys.stderr.write(self.format(record) + "\n")
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        """Flush ``sys.stderr``."""
        with contextlib.suppress(Exception):
            sys.stderr.flush()
