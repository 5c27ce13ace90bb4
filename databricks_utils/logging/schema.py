"""The columns of the pipeline log table, and the row one log record becomes."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import NamedTuple

# Record attributes set by `PipelineLogger` (the LogRecord attribute `process` is the OS
# process id, so the pipeline's domain and process travel under other names).
DOMAIN_ATTR = "pipeline_domain"
PROCESS_ATTR = "pipeline_process"
# Record attributes users set through ``extra=``.
STEP_ATTR = "step"
STATUS_ATTR = "status"
DURATION_ATTR = "duration_ms"
ERROR_ATTR = "error"

TRACEBACK_FRAMES = 20


class Column(NamedTuple):
    """One column of the log table."""

    name: str
    sql_type: str
    nullable: bool
    comment: str


LOG_COLUMNS: tuple[Column, ...] = (
    Column("date", "DATE", False, "UTC date of the log call"),
    Column("time", "TIMESTAMP", False, "Instant of the log call (UTC)"),
    Column("user", "STRING", False, "Databricks user on Databricks, else the OS user"),
    Column("source_file", "STRING", False, "File that made the log call"),
    Column("domain", "STRING", False, "Business domain of the pipeline"),
    Column("process", "STRING", False, "Pipeline process"),
    Column("step", "STRING", True, "Step of the process"),
    Column("status", "STRING", True, "started, success, failed or a custom status"),
    Column("message", "STRING", False, "The log message"),
    Column("level", "STRING", False, "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    Column("run_id", "STRING", False, "Databricks job run id, else one id per process"),
    Column("duration_ms", "BIGINT", True, "Duration of a finished step in milliseconds"),
    Column("error", "STRING", True, "Exception type, message and traceback summary"),
)
"""The log table's columns, in order (`date`, `time`, ..., `error`)."""

COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in LOG_COLUMNS)

LogRow = tuple[
    dt.date,
    dt.datetime,
    str,
    str,
    str,
    str,
    str | None,
    str | None,
    str,
    str,
    str,
    int | None,
    str | None,
]
"""One row of the log table, in [`LOG_COLUMNS`][..LOG_COLUMNS] order."""


class RowContext(NamedTuple):
    """What a log row takes from its handler rather than from the record."""

    domain: str
    process: str
    user: str
    run_id: str


def row_from_record(record: logging.LogRecord, context: RowContext) -> LogRow:
    """The log table row of ``record``.

    ``time`` and ``date`` are the record's creation time in UTC. Attributes set through
    ``extra=`` (``step``, ``status``, ``duration_ms``, ``error``) fill their columns; an
    exception logged with ``exc_info`` fills ``error`` when ``error`` is not given.

    Example:
        >>> record = logging.makeLogRecord(
        ...     {"msg": "Removed %d dupes", "args": (150,), "levelname": "INFO",
        ...      "created": 0.0, "pathname": "job.py", "step": "dedup", "status": "success"}
        ... )
        >>> row_from_record(record, RowContext("member", "silver", "ada", "r1"))
        (datetime.date(1970, 1, 1),
         datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc),
         'ada', 'job.py', 'member', 'silver', 'dedup', 'success', 'Removed 150 dupes',
         'INFO', 'r1', None, None)
    """
    created = dt.datetime.fromtimestamp(record.created, tz=dt.timezone.utc)
    return (
        created.date(),
        created,
        context.user,
        str(record.pathname),
        _text(getattr(record, DOMAIN_ATTR, None)) or context.domain,
        _text(getattr(record, PROCESS_ATTR, None)) or context.process,
        _text(getattr(record, STEP_ATTR, None)),
        _text(getattr(record, STATUS_ATTR, None)),
        record_message(record),
        str(record.levelname),
        context.run_id,
        _whole_number(getattr(record, DURATION_ATTR, None)),
        _text(getattr(record, ERROR_ATTR, None)) or _exception_text(record),
    )


def record_message(record: logging.LogRecord) -> str:
    """``record.getMessage()``, or the raw message and arguments when they do not format."""
    try:
        return record.getMessage()
    except Exception:
        return f"{record.msg!s} (arguments that did not fit the message: {record.args!r})"


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` followed by the innermost frames of the traceback.

    Example:
        >>> try:
        ...     raise ValueError("bad row")
        ... except ValueError as exc:
        ...     print(describe_exception(exc))  # doctest: +ELLIPSIS
        ValueError: bad row
        Traceback (most recent call last):
          File "<doctest ...>", line 2, in <module>
            raise ValueError("bad row")
    """
    header = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    frames = traceback.extract_tb(exc.__traceback__, limit=-TRACEBACK_FRAMES)
    if not frames:
        return header
    return f"{header}\nTraceback (most recent call last):\n" + "".join(frames.format()).rstrip()


def _exception_text(record: logging.LogRecord) -> str | None:
    if record.exc_info and record.exc_info[1] is not None:
        return describe_exception(record.exc_info[1])
    return None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _whole_number(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return round(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
