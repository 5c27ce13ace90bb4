"""Cost of 10,000 log calls: ``get_logger`` with the Delta handler vs the stdlib console handler.

Times, in one process and one run:

1. a stdlib ``logging`` logger with one ``StreamHandler``;
2. ``get_logger`` writing to the console only (``logging.table: null``);
3. ``get_logger`` with the Delta handler (default buffering), including the final
   ``flush()`` that waits for every row to be committed.

Every console line goes to an in-memory ``io.StringIO``, for both the stdlib handler and
``get_logger``'s (which writes to ``sys.stderr``, replaced for the measurement), so the
terminal's speed does not count. Spark start-up, the creation of the log table and a
first write of 100 rows (JVM warm-up) happen before the clock starts. Prints seconds,
microseconds per call, ratios against the stdlib handler, and the Delta commits made::

    python -m benchmarks.logging --records 10000
"""

from __future__ import annotations

import os
import sys

# Run as `python benchmarks/logging.py`, this file's directory would come first on
# sys.path and this file would shadow the standard library's `logging` for every import.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import argparse
import contextlib
import io
import logging
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from databricks_utils.config import EnvironmentConfig, LoggingConfig
from databricks_utils.logging import get_logger
from databricks_utils.session import SparkSessionFactory

TABLE = "spark_catalog.logging_benchmark.pipeline_logs"
WARMUP_RECORDS = 100


@contextlib.contextmanager
def stderr_to_memory() -> Iterator[io.StringIO]:
    """Send ``sys.stderr`` to a ``StringIO`` for the block."""
    buffer = io.StringIO()
    saved, sys.stderr = sys.stderr, buffer
    try:
        yield buffer
    finally:
        sys.stderr = saved


def log_calls(log: Any, records: int) -> None:
    """The measured work: ``records`` INFO calls with %-arguments."""
    for i in range(records):
        log.info("record %d of %s", i, "benchmark")


def stdlib_console(records: int) -> float:
    """Seconds for ``records`` calls to a stdlib logger with a StreamHandler to a StringIO."""
    logger = logging.getLogger("benchmark.stdlib")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s %(message)s"))
    logger.addHandler(handler)
    start = time.perf_counter()
    log_calls(logger, records)
    handler.flush()
    return time.perf_counter() - start


def pipeline_console(config: EnvironmentConfig, records: int) -> float:
    """Seconds for ``records`` calls to ``get_logger`` without a log table."""
    console_only = config.model_copy(update={"logging": LoggingConfig(table=None)})
    log = get_logger(domain="benchmark", process="console_only", config=console_only)
    with stderr_to_memory():
        start = time.perf_counter()
        log_calls(log, records)
        log.flush()
        elapsed = time.perf_counter() - start
    log.close()
    return elapsed


def pipeline_delta(config: EnvironmentConfig, spark: Any, records: int) -> tuple[float, float]:
    """Seconds for ``records`` calls to ``get_logger`` with Delta: the calls alone, and the
    calls plus the final flush that waits for every row to be committed."""
    log = get_logger(domain="benchmark", process="delta", table=TABLE, config=config, spark=spark)
    with stderr_to_memory():
        start = time.perf_counter()
        log_calls(log, records)
        calls = time.perf_counter() - start
        log.flush()
        total = time.perf_counter() - start
        log.close()
    return calls, total


def median_of(runs: int, measure: Callable[[], float]) -> float:
    """The median of ``runs`` measurements."""
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    """Start Spark, warm Delta up, measure the three cases and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--console-runs", type=int, default=5, help="runs of the console cases")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as warehouse:
        config = EnvironmentConfig(
            environment="bench",
            catalog={"name": "spark_catalog", "schema": "logging_benchmark"},
            spark={
                "master": "local[2]",
                "warehouse_dir": warehouse,
                "config": {
                    "spark.sql.shuffle.partitions": 2,
                    "spark.ui.enabled": False,
                    "spark.ui.showConsoleProgress": False,
                },
            },
        )
        spark = SparkSessionFactory.from_config(config)
        warmup = get_logger(domain="benchmark", process="warmup", table=TABLE, spark=spark)
        with stderr_to_memory():
            log_calls(warmup, WARMUP_RECORDS)
            warmup.close()

        stdlib = median_of(args.console_runs, lambda: stdlib_console(args.records))
        console = median_of(args.console_runs, lambda: pipeline_console(config, args.records))
        delta_calls, delta = pipeline_delta(config, spark, args.records)
        history = spark.sql(f"DESCRIBE HISTORY {TABLE}")
        commits = history.filter("operation = 'WRITE'").count() - 1  # less the warm-up's
        rows = spark.table(TABLE).filter("process = 'delta'").count()
        spark.stop()

    print(f"{args.records} log calls (console output to io.StringIO in every case)")
    print(f"{'case':52} {'seconds':>8} {'us/call':>8} {'ratio':>8}")
    for name, seconds in (
        ("stdlib logging.StreamHandler", stdlib),
        ("get_logger, console only", console),
        ("get_logger + Delta handler, the calls alone", delta_calls),
        ("get_logger + Delta handler, incl. final flush", delta),
    ):
        per_call = seconds / args.records * 1e6
        print(f"{name:52} {seconds:8.3f} {per_call:8.1f} {seconds / stdlib:7.1f}x")
    print(f"Delta: {rows} rows in {commits} commits (batch_size 100, adaptive background batches)")


if __name__ == "__main__":
    main()
