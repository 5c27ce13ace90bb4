"""A `logging.Handler` that appends records to a Delta table in batches."""

from __future__ import annotations

import atexit
import logging
import sys
import threading
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING

from databricks_utils.catalog.identifiers import validate_qualified_name
from databricks_utils.logging.context import current_run_id, current_user
from databricks_utils.logging.schema import LogRow, RowContext, row_from_record
from databricks_utils.logging.table import append_rows, create_log_table
from databricks_utils.redaction import redact_text

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Loggers whose records never reach the table: Spark's own (they log while we write) and
# this package's.
IGNORED_LOGGERS = ("py4j", "pyspark", "databricks_utils.logging")
REPORT_PREFIX = "databricks_utils.logging: "
_MAX_REASON_CHARS = 500


class DeltaLogHandler(logging.Handler):
    """Buffers log records as rows and appends them to a Delta table in batches.

    - A background write starts when ``batch_size`` records are buffered, or when the
      oldest has waited ``flush_interval_seconds`` (a daemon thread, so it never keeps
      the interpreter alive).
    - [`flush`][.flush], [`close`][.close], interpreter exit and every record at
      ``ERROR`` or above write synchronously. Each write is one Delta commit.
    - The table is created, with the explicit schema of
      [`LOG_COLUMNS`][databricks_utils.logging.LOG_COLUMNS], before the first write.
    - A failed write never raises: it is reported on stderr, the records stay buffered
      for the next attempt (background retries wait ``flush_interval_seconds``), and
      beyond ``max_buffered_records`` the oldest are dropped and counted in
      [`dropped`][.dropped].
    - Records of ``py4j``, ``pyspark`` and ``databricks_utils.logging`` loggers are
      ignored, and records logged while this handler writes are buffered without
      starting another write, so writing never recurses.

    Usually made by [`get_logger`][databricks_utils.logging.get_logger]; it also works on
    any logger.

    Args:
        table: The log table, ``table``, ``schema.table`` or ``catalog.schema.table``.
        spark: The session that writes.
        domain: The ``domain`` of records not logged through a `PipelineLogger`.
        process: The ``process`` of records not logged through a `PipelineLogger`.
        user: The ``user`` column (detected when ``None``).
        run_id: The ``run_id`` column (detected when ``None``).
        batch_size: Buffered records that start a background write.
        flush_interval_seconds: Longest time a record waits in the buffer.
        max_buffered_records: Records kept while writes fail.
        level: The handler's level.

    Raises:
        NamingError: for an invalid table name.
        ValueError: for a batch size or interval that is not positive, or a bound below
            the batch size.

    Example:
        >>> handler = DeltaLogHandler(
        ...     "dev_analytics.ops.pipeline_logs", spark, domain="member", process="load"
        ... )  # doctest: +SKIP
        >>> logging.getLogger("legacy_job").addHandler(handler)  # doctest: +SKIP
    """

    def __init__(
        self,
        table: str,
        spark: SparkSession,
        *,
        domain: str,
        process: str,
        user: str | None = None,
        run_id: str | None = None,
        batch_size: int = 100,
        flush_interval_seconds: float = 30.0,
        max_buffered_records: int = 10_000,
        level: int | str = logging.NOTSET,
    ) -> None:
        super().__init__(level)
        if batch_size < 1 or max_buffered_records < batch_size or flush_interval_seconds <= 0:
            raise ValueError(
                "batch_size and flush_interval_seconds must be positive and "
                "max_buffered_records at least batch_size; got "
                f"batch_size={batch_size}, flush_interval_seconds={flush_interval_seconds}, "
                f"max_buffered_records={max_buffered_records}"
            )
        self._table = validate_qualified_name(table, kind="table")
        self._spark = spark
        self._context = RowContext(
            domain=domain,
            process=process,
            user=user if user is not None else current_user(spark),
            run_id=run_id if run_id is not None else current_run_id(spark),
        )
        self.batch_size = batch_size
        self.flush_interval_seconds = flush_interval_seconds
        self.max_buffered_records = max_buffered_records
        self._buffer: deque[LogRow] = deque()
        self._oldest_at = 0.0  # monotonic time the oldest buffered record arrived
        self._retry_at = 0.0  # no background write before this monotonic time
        self._buffer_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._writing = threading.local()
        self._table_ready = False
        self._dropped = 0
        self._dropping = False
        self._last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        _close_at_exit(self)

    @property
    def table(self) -> str:
        """The log table."""
        return self._table

    @property
    def spark(self) -> SparkSession:
        """The session that writes."""
        return self._spark

    @property
    def run_id(self) -> str:
        """The ``run_id`` of this handler's rows."""
        return self._context.run_id

    @property
    def user(self) -> str:
        """The ``user`` of this handler's rows."""
        return self._context.user

    @property
    def pending(self) -> int:
        """Records buffered, not yet written."""
        with self._buffer_lock:
            return len(self._buffer)

    @property
    def dropped(self) -> int:
        """Records dropped because the buffer was full while writes failed."""
        return self._dropped

    @property
    def last_error(self) -> str | None:
        """Why the last write failed (``None`` once a write succeeds)."""
        return self._last_error

    def handle(self, record: logging.LogRecord) -> bool:
        """Filter and buffer ``record``; the buffer has its own lock, writes run outside it."""
        kept = self.filter(record)
        if not kept:
            return False
        # From Python 3.12 a filter may return a replacement record.
        self.emit(kept if isinstance(kept, logging.LogRecord) else record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Buffer ``record`` as a row; write at once for ``ERROR`` and above."""
        if _is_ignored(record.name):
            return
        try:
            row = row_from_record(record, self._context)
        except Exception:
            self.handleError(record)
            return
        with self._buffer_lock:
            if not self._buffer:
                self._oldest_at = time.monotonic()
            self._buffer.append(row)
            newly_dropped = self._trim()
            buffered = len(self._buffer)
        if newly_dropped:
            self._report_drops()
        if getattr(self._writing, "active", False):
            return
        if record.levelno >= logging.ERROR:
            self.flush()
        elif buffered == 1 or buffered >= self.batch_size:
            self._wake_writer()

    def flush(self) -> None:
        """Write every buffered record now, in one commit; never raises."""
        self._write_pending()

    def take_pending(self) -> list[LogRow]:
        """Remove and return the buffered rows (to hand them to another handler)."""
        with self._buffer_lock:
            rows = list(self._buffer)
            self._buffer.clear()
        return rows

    def add_rows(self, rows: list[LogRow]) -> None:
        """Buffer rows taken from another handler, ahead of this handler's own."""
        if not rows:
            return
        with self._buffer_lock:
            self._buffer.extendleft(reversed(rows))
            self._oldest_at = time.monotonic()
            newly_dropped = self._trim()
        if newly_dropped:
            self._report_drops()
        self._wake_writer()

    def close(self) -> None:
        """Stop the background writer, write what is buffered and report what was lost."""
        with self._buffer_lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._write_pending()
        lost = self.pending
        if lost:
            self._report(
                f"{lost} log record(s) for {self._table} could not be written before the "
                f"handler closed and are lost ({self._last_error})"
            )
        if self._dropped:
            self._report(
                f"{self._dropped} log record(s) for {self._table} were dropped in total "
                f"because writes failed and the buffer was full"
            )
        super().close()

    def _write_pending(self) -> None:
        if getattr(self._writing, "active", False):
            return  # a record logged while this thread writes
        with self._write_lock:
            with self._buffer_lock:
                batch = list(self._buffer)
                self._buffer.clear()
            if not batch:
                return
            self._writing.active = True
            try:
                if not self._table_ready:
                    create_log_table(self._spark, self._table)
                    self._table_ready = True
                append_rows(self._spark, self._table, batch)
            except Exception as exc:
                self._requeue(batch, exc)
            else:
                self._retry_at = 0.0
                self._last_error = None
                self._dropping = False
            finally:
                self._writing.active = False

    def _requeue(self, batch: list[LogRow], exc: Exception) -> None:
        self._table_ready = False  # it may have been dropped: check again next time
        self._last_error = _reason(exc)
        now = time.monotonic()
        self._retry_at = now + self.flush_interval_seconds
        with self._buffer_lock:
            self._buffer.extendleft(reversed(batch))
            self._oldest_at = now
            newly_dropped = self._trim()
            kept = len(self._buffer)
        self._report(
            f"could not write {len(batch)} log record(s) to {self._table}: "
            f"{self._last_error}; keeping {kept} for the next write "
            f"({self._dropped} dropped so far)"
        )
        if newly_dropped:
            self._report_drops()
        self._wake_writer()  # to retry after the interval, even if no record arrives

    def _trim(self) -> bool:
        # Called with the buffer lock held; keeps the newest records.
        overflow = len(self._buffer) - self.max_buffered_records
        for _ in range(overflow):
            self._buffer.popleft()
        if overflow <= 0:
            return False
        self._dropped += overflow
        first_of_episode = not self._dropping
        self._dropping = True
        return first_of_episode

    def _report_drops(self) -> None:
        self._report(
            f"log buffer for {self._table} is full ({self.max_buffered_records} records) "
            f"while writes fail; dropping the oldest records until a write succeeds"
        )

    def _wake_writer(self) -> None:
        if self._thread is None and not self._closed:
            with self._buffer_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name=f"databricks-utils-log-writer-{self._table}"
                    )
                    self._thread.daemon = True
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._seconds_until_due())
            self._wake.clear()
            if self._stop.is_set():
                return
            if self._seconds_until_due() == 0:
                self._write_pending()

    def _seconds_until_due(self) -> float | None:
        # None: nothing buffered, sleep until a record arrives.
        with self._buffer_lock:
            count = len(self._buffer)
            oldest = self._oldest_at
        if count == 0:
            return None
        now = time.monotonic()
        due = now if count >= self.batch_size else oldest + self.flush_interval_seconds
        return max(0.0, due - now, self._retry_at - now)

    def _report(self, message: str) -> None:
        try:
            sys.stderr.write(REPORT_PREFIX + message + "\n")
            sys.stderr.flush()
        except Exception:  # stderr closed or replaced by something broken: nothing to do
            pass

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self._table} ({logging.getLevelName(self.level)}, "
            f"{self.pending} pending, {self._dropped} dropped)>"
        )


def _is_ignored(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in IGNORED_LOGGERS)


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    first = redact_text(lines[0] if lines else "")
    if len(first) > _MAX_REASON_CHARS:
        first = first[:_MAX_REASON_CHARS] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _close_at_exit(handler: logging.Handler) -> None:
    """Close ``handler`` when the interpreter exits, before it stops the thread pools that
    Spark Connect's client writes through (plain ``atexit`` runs after that, and the last
    records of a serverless job would be lost)."""
    alive = weakref.ref(handler)

    def close() -> None:
        still = alive()
        if still is not None:
            still.close()

    register = getattr(threading, "_register_atexit", None)
    try:
        if register is not None:
            register(close)
            return
    except RuntimeError:  # the interpreter is already shutting down
        pass
    atexit.register(close)
