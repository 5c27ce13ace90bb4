"""`PipelineLogger`: a logger bound to a domain and process, with timed steps."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING, Any

from databricks_utils.logging.handler import DeltaLogHandler
from databricks_utils.logging.schema import (
    DOMAIN_ATTR,
    DURATION_ATTR,
    ERROR_ATTR,
    PROCESS_ATTR,
    STATUS_ATTR,
    STEP_ATTR,
    describe_exception,
)

if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:  # subscriptable at runtime only from Python 3.11
    _LoggerAdapter = logging.LoggerAdapter

STARTED = "started"
SUCCESS = "success"
FAILED = "failed"

# Handlers get_logger installed, so that a second call finds them instead of adding more.
OWNED_MARK = "_databricks_utils_pipeline_handler"

# The steps open in this thread or task, innermost last, as (logger name, step name).
_open_steps: ContextVar[tuple[tuple[str, str], ...]] = ContextVar(
    "databricks_utils_open_steps", default=()
)


class PipelineLogger(_LoggerAdapter):
    """A `logging.LoggerAdapter` whose records carry the pipeline's domain, process and step.

    Use the standard logging methods; ``extra=`` fills the ``step``, ``status``,
    ``duration_ms`` and ``error`` columns. Inside a [`step`][.step] block, records
    without an explicit ``step`` belong to that step.

    Example:
        >>> log = get_logger(domain="member", process="silver_transform")  # doctest: +SKIP
        >>> log.info("Removed %d dupes", 150, extra={"step": "dedup", "status": "success"})
        ... # doctest: +SKIP
        >>> with log.step("deduplication"):  # doctest: +SKIP
        ...     log.info("Removed 150 dupes")
        >>> log.flush()  # doctest: +SKIP
    """

    def __init__(
        self, logger: logging.Logger, domain: str, process: str, *, step: str | None = None
    ) -> None:
        super().__init__(logger, {DOMAIN_ATTR: domain, PROCESS_ATTR: process})
        self._domain = domain
        self._process_name = process
        self._step = step

    @property
    def domain(self) -> str:
        """The pipeline's domain (the ``domain`` column)."""
        return self._domain

    @property
    def process_name(self) -> str:
        """The pipeline's process (the ``process`` column).

        Named ``process_name`` because ``process`` is a `LoggerAdapter` method.
        """
        return self._process_name

    @property
    def delta_handler(self) -> DeltaLogHandler | None:
        """The handler writing to Delta, ``None`` when logging to the console only."""
        for handler in self.logger.handlers:
            if isinstance(handler, DeltaLogHandler):
                return handler
        return None

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        """Add domain, process and the open step to the record's ``extra``.

        ``extra`` keys ``domain`` and ``process`` override the logger's for one record.
        """
        fields: dict[str, Any] = {DOMAIN_ATTR: self._domain, PROCESS_ATTR: self._process_name}
        step = self._step or _innermost_step(self.logger.name)
        if step is not None:
            fields[STEP_ATTR] = step
        given: Mapping[str, Any] = kwargs.get("extra") or {}
        for key, value in given.items():
            fields[{"domain": DOMAIN_ATTR, "process": PROCESS_ATTR}.get(key, key)] = value
        kwargs["extra"] = fields
        return msg, kwargs

    def step(self, name: str) -> Step:
        """A block recorded as one step: ``started``, then ``success`` or ``failed``.

        On leaving the block a record with ``duration_ms`` is logged: ``INFO`` and status
        ``success``, or ``ERROR`` and status ``failed`` with the exception (type, message,
        traceback summary) in ``error``; the exception propagates. The buffered records are
        then written. The records name the file and line of the ``with`` statement.

        ``as`` gives a `PipelineLogger` bound to the step.

        Example:
            >>> with log.step("deduplication") as step:  # doctest: +SKIP
            ...     step.info("Removed %d dupes", 150)
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"a step name must be a non-empty string, got {name!r}")
        caller = sys._getframe(1)
        return Step(self, name, (caller.f_code.co_filename, caller.f_lineno, caller.f_code.co_name))

    def bind_step(self, name: str) -> PipelineLogger:
        """This logger with every record in step ``name``.

        Example:
            >>> load = log.bind_step("load")  # doctest: +SKIP
            >>> load.warning("3 files skipped")  # doctest: +SKIP
        """
        return PipelineLogger(self.logger, self._domain, self._process_name, step=name)

    def flush(self) -> None:
        """Write buffered records now (never raises)."""
        for handler in self.logger.handlers:
            handler.flush()

    def close(self) -> None:
        """Write buffered records and detach the handlers `get_logger` installed."""
        for handler in list(self.logger.handlers):
            if getattr(handler, OWNED_MARK, False):
                self.logger.removeHandler(handler)
                handler.close()


class Step:
    """A timed block of a pipeline; made by [`PipelineLogger.step`][..PipelineLogger.step]."""

    def __init__(self, logger: PipelineLogger, name: str, caller: tuple[str, int, str]) -> None:
        self.name = name
        self.duration_ms: int | None = None
        self._logger = logger
        self._caller = caller
        self._started = 0.0
        self._token: Token[tuple[tuple[str, str], ...]] | None = None

    def __enter__(self) -> PipelineLogger:
        self._token = _open_steps.set((*_open_steps.get(), (self._logger.logger.name, self.name)))
        self._started = time.perf_counter()
        self._log(logging.INFO, f"step {self.name} started", status=STARTED)
        return self._logger.bind_step(self.name)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.duration_ms = round((time.perf_counter() - self._started) * 1000)
        try:
            if exc is None:
                self._log(
                    logging.INFO,
                    f"step {self.name} succeeded in {self.duration_ms} ms",
                    status=SUCCESS,
                    duration_ms=self.duration_ms,
                )
            else:
                error = describe_exception(exc)
                self._log(
                    logging.ERROR,
                    f"step {self.name} failed after {self.duration_ms} ms: {error.splitlines()[0]}",
                    status=FAILED,
                    duration_ms=self.duration_ms,
                    error=error,
                )
        finally:
            self._close_step()
            self._logger.flush()

    def _log(self, level: int, message: str, **fields: object) -> None:
        logger = self._logger.logger
        if not logger.isEnabledFor(level):
            return
        extra = {
            DOMAIN_ATTR: self._logger.domain,
            PROCESS_ATTR: self._logger.process_name,
            STEP_ATTR: self.name,
            STATUS_ATTR: fields.get("status"),
            DURATION_ATTR: fields.get("duration_ms"),
            ERROR_ATTR: fields.get("error"),
        }
        pathname, lineno, function = self._caller
        record = logger.makeRecord(
            logger.name, level, pathname, lineno, message, (), None, function, extra
        )
        logger.handle(record)

    def _close_step(self) -> None:
        if self._token is None:
            return
        try:
            _open_steps.reset(self._token)
        except ValueError:  # left in another context than entered (a generator, a task)
            opened = (self._logger.logger.name, self.name)
            _open_steps.set(tuple(s for s in _open_steps.get() if s != opened))
        self._token = None


def _innermost_step(logger_name: str) -> str | None:
    for name, step in reversed(_open_steps.get()):
        if name == logger_name:
            return step
    return None
