"""Pipeline logging into real local Delta tables with the suite's Spark session."""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chispa import assert_df_equality

from databricks_utils.config import ConfigLoader, EnvironmentConfig
from databricks_utils.logging import (
    LOG_COLUMNS,
    DeltaLogHandler,
    PipelineLogger,
    context,
    get_logger,
    log_table_schema,
)
from tests.conftest import SPARK_CONFIG_DIR, SPARK_LEG

pytestmark = pytest.mark.spark

SCHEMA = "spark_catalog.dbu_logging_tests"
PINNED_CREATED = 1714564800.123456  # 2024-05-01 12:00:00.123456 UTC
PINNED_TIME = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)
PINNED_DATE = dt.date(2024, 5, 1)
HERE = __file__

MakeLogger = Callable[..., PipelineLogger]


def pin_time(record: logging.LogRecord) -> bool:
    record.created = PINNED_CREATED
    record.msecs = 123.0
    return True


def config_with(**logging_settings: Any) -> EnvironmentConfig:
    return ConfigLoader.load("test", SPARK_CONFIG_DIR, overrides={"logging": logging_settings})


@pytest.fixture
def table(request: pytest.FixtureRequest, spark) -> Iterator[str]:
    name = f"{SCHEMA}.{re.sub(r'[^a-z0-9_]', '_', request.node.name.lower())[:80]}"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    spark.sql(f"DROP TABLE IF EXISTS {name}")
    yield name
    spark.sql(f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def make_logger(spark, request: pytest.FixtureRequest) -> Iterator[MakeLogger]:
    """get_logger with a process named after the test; handlers closed afterwards."""
    made: list[PipelineLogger] = []
    process = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())

    def make(table: str, *, pinned: bool = False, **kwargs: Any) -> PipelineLogger:
        log = get_logger(domain="member", process=process, table=table, spark=spark, **kwargs)
        if pinned:
            log.logger.addFilter(pin_time)
        made.append(log)
        return log

    yield make
    for log in made:
        log.close()
        log.logger.removeFilter(pin_time)


def messages(spark, table: str) -> list[str]:
    return sorted(row.message for row in spark.table(table).select("message").collect())


def versions(spark, table: str) -> list[str]:
    history = spark.sql(f"DESCRIBE HISTORY {table}").orderBy("version").collect()
    return [row.operation for row in history]


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def row_count(spark, table: str) -> int:
    return spark.table(table).count() if spark.catalog.tableExists(table) else 0


def handler_of(log: PipelineLogger) -> DeltaLogHandler:
    handler = log.delta_handler
    assert handler is not None
    return handler


def test_rows_land_with_the_explicit_schema_and_exact_values(
    spark, table: str, make_logger: MakeLogger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_UTILS_RUN_ID", "run-42")
    log = make_logger(table, pinned=True)
    process = log.process_name

    log.info("Removed %d dupes", 150, extra={"step": "deduplication", "status": "success"})
    log.warning("late file %s", "a.csv", extra={"duration_ms": 12.6, "process": "late_files"})
    try:
        raise KeyError("id")
    except KeyError as exc:
        raise_line = exc.__traceback__.tb_lineno if exc.__traceback__ else 0
        log.exception("lookup failed")
    log.flush()

    actual = spark.table(table)
    assert [
        (f.name, f.dataType.simpleString(), f.nullable, f.metadata["comment"])
        for f in actual.schema.fields
    ] == [(c.name, c.sql_type.lower(), c.nullable, c.comment) for c in LOG_COLUMNS]
    user = getpass.getuser()
    error = (
        "KeyError: 'id'\nTraceback (most recent call last):\n"
        f'  File "{HERE}", line {raise_line}, in '
        "test_rows_land_with_the_explicit_schema_and_exact_values\n"
        '    raise KeyError("id")'
    )
    row = (PINNED_DATE, PINNED_TIME, user, HERE, "member")
    expected = spark.createDataFrame(
        [
            (
                *row,
                process,
                "deduplication",
                "success",
                "Removed 150 dupes",
                "INFO",
                "run-42",
                None,
                None,
            ),
            (*row, "late_files", None, None, "late file a.csv", "WARNING", "run-42", 13, None),
            (*row, process, None, None, "lookup failed", "ERROR", "run-42", None, error),
        ],
        log_table_schema(),
    )
    assert_df_equality(actual, expected, ignore_row_order=True)


def test_records_wait_in_the_buffer_and_one_flush_is_one_commit(
    spark, table: str, make_logger: MakeLogger
) -> None:
    log = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=3600))
    handler = handler_of(log)

    for i in range(10):
        log.info("record %d", i)

    assert handler.pending == 10
    assert not spark.catalog.tableExists(table)
    log.flush()
    assert handler.pending == 0
    assert versions(spark, table) == ["CREATE TABLE", "WRITE"]
    assert messages(spark, table) == sorted(f"record {i}" for i in range(10))


def test_many_records_make_few_commits(spark, table: str, make_logger: MakeLogger) -> None:
    log = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=3600))

    for i in range(1000):
        log.info("record %d", i)
    log.flush()

    operations = versions(spark, table)
    assert operations[0] == "CREATE TABLE"
    assert set(operations[1:]) == {"WRITE"}
    assert 1 <= len(operations) - 1 <= 11  # at most one commit per batch of 100, plus the flush
    assert spark.table(table).count() == 1000
    assert spark.table(table).select("message").distinct().count() == 1000


def test_a_full_batch_is_written_in_the_background(
    spark, table: str, make_logger: MakeLogger
) -> None:
    log = make_logger(table, config=config_with(batch_size=5, flush_interval_seconds=3600))
    handler = handler_of(log)

    for i in range(5):
        log.info("record %d", i)

    assert wait_until(lambda: row_count(spark, table) == 5)
    assert handler.pending == 0
    assert messages(spark, table) == [f"record {i}" for i in range(5)]


def test_the_interval_writes_without_further_records(
    spark, table: str, make_logger: MakeLogger
) -> None:
    log = make_logger(table, config=config_with(batch_size=1000, flush_interval_seconds=0.5))
    handler = handler_of(log)

    log.info("only one")
    log.info("and another")

    assert handler.pending == 2
    assert wait_until(lambda: row_count(spark, table) == 2)
    assert messages(spark, table) == ["and another", "only one"]


def test_error_records_are_written_at_once(spark, table: str, make_logger: MakeLogger) -> None:
    log = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=3600))

    log.info("before")
    log.error("it broke")

    assert handler_of(log).pending == 0
    assert messages(spark, table) == ["before", "it broke"]


def test_a_step_records_start_and_success_with_duration(
    spark, table: str, make_logger: MakeLogger
) -> None:
    log = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=3600))

    with log.step("deduplication") as step:
        step.info("Removed %d dupes", 150)
        log.info("plain call inside the block")
        time.sleep(0.05)
    log.info("after the block")

    assert handler_of(log).pending == 1  # the step's records were written when it ended
    rows = spark.table(table).select(
        "step", "status", "message", "level", "duration_ms", "error", "source_file"
    )
    by_message = {row.message: row for row in rows.collect()}
    assert sorted(by_message) == [
        "Removed 150 dupes",
        "plain call inside the block",
        "step deduplication started",
        f"step deduplication succeeded in {by_message_duration(by_message)} ms",
    ]
    started = by_message["step deduplication started"]
    assert tuple(started) == (
        "deduplication",
        "started",
        "step deduplication started",
        "INFO",
        None,
        None,
        HERE,
    )
    assert by_message["Removed 150 dupes"].step == "deduplication"
    assert by_message["plain call inside the block"].step == "deduplication"
    [finished] = [row for row in by_message.values() if row.status == "success"]
    assert finished.level == "INFO"
    assert finished.source_file == HERE
    assert 50 <= finished.duration_ms < 30_000
    log.flush()
    assert spark.table(table).filter("message = 'after the block'").first().step is None


def by_message_duration(by_message: dict[str, Any]) -> int:
    [finished] = [row for row in by_message.values() if row.status == "success"]
    return int(finished.duration_ms)


def test_a_failed_step_records_the_exception_and_reraises_it(
    spark, table: str, make_logger: MakeLogger
) -> None:
    log = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=3600))

    def load_that_fails() -> None:
        with log.step("load"):
            time.sleep(0.02)
            raise ValueError("boom")

    with pytest.raises(ValueError, match=r"^boom$") as info:
        load_that_fails()

    tb = info.value.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    raise_line = tb.tb_lineno if tb else 0
    rows = spark.table(table).orderBy("status", ascending=False).collect()
    assert [(r.step, r.status, r.level) for r in rows] == [
        ("load", "started", "INFO"),
        ("load", "failed", "ERROR"),
    ]
    failed = rows[1]
    assert failed.message == f"step load failed after {failed.duration_ms} ms: ValueError: boom"
    assert 20 <= failed.duration_ms < 30_000
    assert failed.error == (
        "ValueError: boom\nTraceback (most recent call last):\n"
        f'  File "{HERE}", line {raise_line}, in load_that_fails\n'
        '    raise ValueError("boom")'
    )
    assert failed.source_file == HERE


def test_a_table_left_by_an_earlier_local_process_is_taken_back(
    spark, table: str, make_logger: MakeLogger
) -> None:
    # Local Spark's catalog lives in memory: a new process finds the files, not the table.
    [location] = [
        row[1] for row in spark.sql(f"DESCRIBE SCHEMA {SCHEMA}").collect() if row[0] == "Location"
    ]
    path = f"{location}/{table.rsplit('.', 1)[1]}"
    earlier = (PINNED_DATE, PINNED_TIME, "u", HERE, "member", "p", None, None, "earlier run")
    rows = [(*earlier, "INFO", "r0", None, None)]
    spark.createDataFrame(rows, log_table_schema()).write.format("delta").save(path)
    assert not spark.catalog.tableExists(table)

    log = make_logger(table)
    log.info("this run")
    log.flush()

    assert handler_of(log).last_error is None
    assert messages(spark, table) == ["earlier run", "this run"]


def test_an_unwritable_table_does_not_raise_and_loses_nothing(
    spark, table: str, make_logger: MakeLogger, capsys: pytest.CaptureFixture[str]
) -> None:
    spark.sql(f"CREATE TABLE {table} (x INT) USING DELTA")  # a schema the rows do not fit
    log = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=3600))
    handler = handler_of(log)

    log.info("first")
    log.info("second")
    log.flush()
    log.error("third")  # written at once: fails again, still no exception

    failures = [line for line in capsys.readouterr().err.splitlines() if "could not write" in line]
    assert len(failures) == 2
    assert failures[0].startswith(
        f"databricks_utils.logging: could not write 2 log record(s) to {table}: AnalysisException: "
    )
    assert failures[0].endswith("; keeping 2 for the next write (0 dropped so far)")
    assert failures[1].endswith("; keeping 3 for the next write (0 dropped so far)")
    assert handler.pending == 3
    assert handler.last_error is not None
    assert handler.last_error.startswith("AnalysisException: ")
    assert spark.table(table).columns == ["x"]

    spark.sql(f"DROP TABLE {table}")  # the problem is fixed
    log.flush()

    assert handler.pending == 0
    assert handler.last_error is None
    assert messages(spark, table) == ["first", "second", "third"]


def test_a_failed_write_is_retried_after_the_interval_without_new_records(
    spark, table: str, make_logger: MakeLogger, capsys: pytest.CaptureFixture[str]
) -> None:
    spark.sql(f"CREATE TABLE {table} (x INT) USING DELTA")
    log = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=0.5))
    log.info("kept")
    log.flush()
    assert "could not write 1 log record(s)" in capsys.readouterr().err

    spark.sql(f"DROP TABLE {table}")

    assert wait_until(lambda: row_count(spark, table) == 1)
    assert messages(spark, table) == ["kept"]


def test_the_buffer_is_bounded_and_drops_are_counted(
    spark, table: str, make_logger: MakeLogger, capsys: pytest.CaptureFixture[str]
) -> None:
    spark.sql(f"CREATE TABLE {table} (x INT) USING DELTA")
    log = make_logger(
        table,
        config=config_with(batch_size=5, max_buffered_records=10, flush_interval_seconds=3600),
    )
    handler = handler_of(log)
    log.info("record 0")
    log.flush()  # fails: background writes now wait an interval before retrying

    for i in range(1, 25):
        log.info("record %d", i)

    assert handler.pending == 10
    assert handler.dropped == 15
    err = capsys.readouterr().err
    assert err.count("is full") == 1
    assert (
        f"databricks_utils.logging: log buffer for {table} is full (10 records) while writes "
        "fail; dropping the oldest records until a write succeeds"
    ) in err.splitlines()

    spark.sql(f"DROP TABLE {table}")
    log.flush()
    assert messages(spark, table) == sorted(f"record {i}" for i in range(15, 25))

    log.close()
    assert capsys.readouterr().err.splitlines() == [
        f"databricks_utils.logging: 15 log record(s) for {table} were dropped in total "
        "because writes failed and the buffer was full"
    ]


def test_calling_get_logger_again_does_not_duplicate_lines_or_rows(
    spark, table: str, make_logger: MakeLogger, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_logger(table)
    handler = handler_of(first)

    second = make_logger(table)  # the notebook cell runs again
    second.info("only once")
    second.flush()

    assert second.logger is first.logger
    assert len(second.logger.handlers) == 2
    assert second.delta_handler is handler
    lines = capsys.readouterr().err.splitlines()
    assert len([line for line in lines if line.endswith(" only once")]) == 1
    assert messages(spark, table) == ["only once"]


def test_new_settings_replace_the_handler_and_carry_its_records_over(
    spark, table: str, make_logger: MakeLogger
) -> None:
    first = make_logger(table, config=config_with(batch_size=100, flush_interval_seconds=3600))
    old = handler_of(first)
    first.info("buffered before the change")

    second = make_logger(table, config=config_with(batch_size=50, flush_interval_seconds=3600))
    new = handler_of(second)
    second.info("after the change")

    assert new is not old
    assert old.pending == 0
    assert new.pending == 2
    assert [type(h).__name__ for h in second.logger.handlers] == [
        "ConsoleHandler",
        "DeltaLogHandler",
    ]
    second.flush()
    assert messages(spark, table) == ["after the change", "buffered before the change"]
    assert versions(spark, table) == ["CREATE TABLE", "WRITE"]


def test_spark_and_py4j_records_never_reach_the_table(spark, table: str) -> None:
    root = logging.getLogger()
    handler = DeltaLogHandler(table, spark, domain="legacy", process="job", run_id="r1")
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # py4j logs every call to the JVM at DEBUG
    try:
        logging.getLogger("legacy.job").info("from a plain logger")
        logging.getLogger("py4j.clientserver").debug("command sent")
        logging.getLogger("pyspark.sql").warning("spark says")
        handler.flush()
        assert spark.table(table).count() == 1  # py4j logged while this was written
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()

    [row] = spark.table(table).collect()
    assert (row.domain, row.process, row.message, row.run_id, row.source_file) == (
        "legacy",
        "job",
        "from a plain logger",
        "r1",
        HERE,
    )


def test_run_id_and_user_outside_databricks(spark, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABRICKS_UTILS_RUN_ID", raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)

    run_id = context.current_run_id(spark)

    assert re.fullmatch(r"[0-9a-f]{32}", run_id)
    assert context.current_run_id() == run_id
    assert context.current_user(spark) == getpass.getuser()


def test_on_databricks_the_job_run_id_and_user_come_from_spark(
    spark, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABRICKS_UTILS_RUN_ID", raising=False)
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    monkeypatch.setattr(context, "_detected", {})
    spark.conf.set("spark.databricks.job.runId", "987654321")
    try:
        assert context.current_run_id(spark) == "987654321"
        assert context.current_user(spark) == spark.sql("SELECT current_user()").first()[0]
    finally:
        spark.conf.unset("spark.databricks.job.runId")


def test_threads_logging_at_once_lose_nothing(spark, table: str, make_logger: MakeLogger) -> None:
    log = make_logger(table, config=config_with(batch_size=50, flush_interval_seconds=3600))

    def work(worker: int) -> None:
        for i in range(250):
            log.info("worker %d record %d", worker, i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.flush()

    assert handler_of(log).pending == 0
    assert spark.table(table).select("message").distinct().count() == 1000
    assert spark.table(table).count() == 1000


EXIT_SCRIPT = """
import sys
from databricks_utils.logging import get_logger
from databricks_utils.session import SparkSessionFactory

spark = SparkSessionFactory.create("test", sys.argv[1])
log = get_logger(domain="member", process="exit_flush", table="dbu_exit.pipeline_logs")
log.info("written at exit %d", 1)
log.info("written at exit %d", 2)
print(log.delta_handler.pending)
"""


def test_records_still_buffered_at_interpreter_exit_are_written(tmp_path, spark) -> None:
    warehouse = tmp_path / "warehouse"
    script = tmp_path / "job.py"
    script.write_text(EXIT_SCRIPT, encoding="utf-8")

    result = subprocess.run(
        [sys.executable, str(script), str(SPARK_CONFIG_DIR)],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABRICKS_UTILS_TEST_WAREHOUSE": str(warehouse)},
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    # Spark 3.5's Ivy announces its settings on stdout when it resolves the Delta jar.
    printed = [
        line for line in result.stdout.splitlines() if not line.startswith(":: loading settings")
    ]
    assert printed == ["2"]
    assert "could not write" not in result.stderr
    if SPARK_LEG == "connect":  # the job wrote through the leg's Connect server
        rows = spark.table("dbu_exit.pipeline_logs")
    else:
        rows = spark.read.format("delta").load(str(warehouse / "dbu_exit.db" / "pipeline_logs"))
    assert sorted(row.message for row in rows.collect()) == [
        "written at exit 1",
        "written at exit 2",
    ]
