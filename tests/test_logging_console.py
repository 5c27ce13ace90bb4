"""Pipeline logging without Spark: console output, steps, configuration, table names."""

from __future__ import annotations

import logging
import re
import sys
import types
from pathlib import Path

import pytest

from databricks_utils.catalog import NamingError
from databricks_utils.config import ConfigError, ConfigLoader, EnvironmentConfig, LoggingConfig
from databricks_utils.logging import (
    ConsoleFormatter,
    context,
    get_logger,
    log_table_ddl,
    resolve_log_table,
)
from databricks_utils.logging.schema import RowContext, row_from_record
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig, run_python

CONFIG = EnvironmentConfig(
    environment="dev", catalog={"name": "dev_analytics", "schema": "customer_360"}
)

# Runs in a fresh interpreter where pyspark cannot be imported: console only.
NO_SPARK_SCRIPT = """
import logging, sys
sys.modules["pyspark"] = None  # as if pyspark were not installed
from databricks_utils.logging import get_logger

def pin(record):
    record.created, record.msecs = 1714564800.25, 250.0
    return True

log = get_logger(domain="member", process="silver_transform")
log.logger.addFilter(pin)
log.info("Removed %d dupes", 150, extra={"step": "deduplication", "status": "success"})
with log.step("load") as step:
    step.warning("3 files skipped")
try:
    with log.step("publish"):
        raise RuntimeError("target locked")
except RuntimeError:
    pass
log = get_logger(domain="member", process="silver_transform")  # the cell runs again
log.info("printed once")
log.flush()
print(log.delta_handler, len(log.logger.handlers), log.logger.propagate)
"""


def test_without_pyspark_the_logger_writes_readable_lines_to_the_console() -> None:
    result = run_python(NO_SPARK_SCRIPT)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "None 1 False\n"
    prefix = "2024-05-01 12:00:00.250Z"
    where = "member/silver_transform"
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        f"{prefix} INFO     {where} [deduplication] Removed 150 dupes",
        f"{prefix} INFO     {where} [load] step load started",
        f"{prefix} WARNING  {where} [load] 3 files skipped",
    ]
    assert lines[3].startswith(f"{prefix} INFO     {where} [load] step load succeeded in ")
    assert lines[4] == f"{prefix} INFO     {where} [publish] step publish started"
    assert lines[5].startswith(f"{prefix} ERROR    {where} [publish] step publish failed after ")
    assert lines[5].endswith(" ms: RuntimeError: target locked")
    assert lines[6:] == [f"{prefix} INFO     {where} printed once"]


def test_with_pyspark_but_no_session_it_neither_starts_one_nor_imports_pyspark() -> None:
    result = run_python(
        """
        import sys
        from databricks_utils.logging import get_logger
        log = get_logger(domain="member", process="bronze_load")
        log.info("hello")
        log.flush()
        print(log.delta_handler, "pyspark" in sys.modules)
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "None False\n"
    assert result.stderr.endswith(" INFO     member/bronze_load hello\n")


def test_console_lines_show_time_level_and_where() -> None:
    record = logging.makeLogRecord(
        {
            "name": "legacy.job",
            "msg": "plain %s",
            "args": ("record",),
            "levelname": "WARNING",
            "created": 0.5,
            "msecs": 500.0,
        }
    )

    assert ConsoleFormatter().format(record) == (
        "1970-01-01 00:00:00.500Z WARNING  legacy.job plain record"
    )


def test_a_logged_exception_follows_the_line() -> None:
    try:
        raise ValueError("bad row")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), exc_info=__import__("sys").exc_info()
        )

    lines = ConsoleFormatter().format(record).splitlines()

    assert lines[0].endswith(" ERROR    x failed")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: bad row"


def test_messages_that_do_not_format_still_make_a_row() -> None:
    record = logging.makeLogRecord({"msg": "%d rows", "args": ("many",), "created": 0.0})

    row = row_from_record(record, RowContext("d", "p", "u", "r"))

    assert row[8] == "%d rows (arguments that did not fit the message: ('many',))"


def test_odd_messages_become_text() -> None:
    context = RowContext("d", "p", "u", "r")
    long_text = "x" * 100_000

    def message(msg: object, *args: object) -> str | None:
        return row_from_record(logging.makeLogRecord({"msg": msg, "args": args}), context)[8]

    assert message({"rows": 3}) == "{'rows': 3}"
    assert message(42) == "42"
    assert message("%s%%", 50) == "50%"
    assert message(long_text) == long_text


def test_extra_values_are_coerced_to_their_columns() -> None:
    record = logging.makeLogRecord(
        {"msg": "m", "step": 7, "status": True, "duration_ms": "12.4", "error": ValueError("x")}
    )

    row = row_from_record(record, RowContext("d", "p", "u", "r"))

    assert (row[6], row[7], row[11], row[12]) == ("7", "True", 12, "x")
    bad = logging.makeLogRecord({"msg": "m", "duration_ms": "soon"})
    assert row_from_record(bad, RowContext("d", "p", "u", "r"))[11] is None


def test_domain_and_process_must_be_given() -> None:
    with pytest.raises(ValueError, match=r"^domain must be a non-empty string, got ''$"):
        get_logger(domain="", process="x")
    with pytest.raises(ValueError, match=r"^process must be a non-empty string, got None$"):
        get_logger(domain="member", process=None)  # type: ignore[arg-type]


def test_step_names_must_be_given() -> None:
    log = get_logger(domain="member", process="step_names", config=_console_only())

    with pytest.raises(ValueError, match=r"^a step name must be a non-empty string, got ''$"):
        log.step("")


def _console_only() -> EnvironmentConfig:
    return CONFIG.model_copy(update={"logging": LoggingConfig(table=None)})


def test_console_only_config_never_attaches_a_delta_handler() -> None:
    log = get_logger(domain="member", process="console_only", config=_console_only())

    assert log.delta_handler is None
    assert [type(h).__name__ for h in log.logger.handlers] == ["ConsoleHandler"]


@pytest.mark.parametrize(
    ("table", "config", "expected"),
    [
        (None, CONFIG, "dev_analytics.customer_360_bronze.pipeline_logs"),
        ("Runs", CONFIG, "dev_analytics.customer_360_bronze.runs"),
        ("ops.pipeline_logs", CONFIG, "ops.pipeline_logs"),
        ("main.ops.pipeline_logs", None, "main.ops.pipeline_logs"),
        (None, None, "pipeline_logs"),
        (
            None,
            CONFIG.model_copy(update={"logging": LoggingConfig(table="audit", layer="gold")}),
            "dev_analytics.customer_360_gold.audit",
        ),
    ],
)
def test_the_log_table_name(
    table: str | None, config: EnvironmentConfig | None, expected: str
) -> None:
    assert resolve_log_table(table, config) == expected


def test_an_invalid_table_name_is_refused_naming_the_part() -> None:
    with pytest.raises(NamingError, match=r"^invalid schema name 'ops-team': contains a hyphen"):
        resolve_log_table("ops-team.logs", CONFIG)
    with pytest.raises(NamingError, match=r"^invalid table name 'a.b.c.d': 4 dot-separated parts"):
        resolve_log_table("a.b.c.d", None)


def test_the_ddl_is_explicit() -> None:
    assert log_table_ddl("main.ops.pipeline_logs").splitlines() == [
        "CREATE TABLE IF NOT EXISTS `main`.`ops`.`pipeline_logs` (",
        "  `date` DATE NOT NULL COMMENT 'UTC date of the log call',",
        "  `time` TIMESTAMP NOT NULL COMMENT 'Instant of the log call (UTC)',",
        "  `user` STRING NOT NULL COMMENT 'Databricks user on Databricks, else the OS user',",
        "  `source_file` STRING NOT NULL COMMENT 'File that made the log call',",
        "  `domain` STRING NOT NULL COMMENT 'Business domain of the pipeline',",
        "  `process` STRING NOT NULL COMMENT 'Pipeline process',",
        "  `step` STRING COMMENT 'Step of the process',",
        "  `status` STRING COMMENT 'started, success, failed or a custom status',",
        "  `message` STRING NOT NULL COMMENT 'The log message',",
        "  `level` STRING NOT NULL COMMENT 'DEBUG, INFO, WARNING, ERROR or CRITICAL',",
        "  `run_id` STRING NOT NULL COMMENT 'Databricks job run id, else one id per process',",
        "  `duration_ms` BIGINT COMMENT 'Duration of a finished step in milliseconds',",
        "  `error` STRING COMMENT 'Exception type, message and traceback summary'",
        ") USING DELTA COMMENT 'Pipeline run log written by databricks_utils.logging'",
    ]


def test_logging_settings_load_from_yaml(write_config: WriteConfig) -> None:
    directory = write_config(
        defaults=MINIMAL_DEFAULTS + "logging:\n  table: ops.pipeline_logs\n  batch_size: 50\n",
        dev="logging:\n  flush_interval_seconds: 5\n  level: DEBUG\n",
    )

    settings = ConfigLoader.load("dev", directory).logging

    assert settings == LoggingConfig(
        table="ops.pipeline_logs", batch_size=50, flush_interval_seconds=5, level="DEBUG"
    )
    assert ConfigLoader.load("dev", directory, {"logging": {"table": None}}).logging.table is None


def test_bad_logging_settings_are_located(write_config: WriteConfig, config_dir: Path) -> None:
    directory = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev=(
            "logging:\n"
            "  table: Ops-Team.logs\n"
            "  layer: platinum\n"
            "  batch_size: 0\n"
            "  flush_interval: 5\n"
        ),
    )

    with pytest.raises(ConfigError) as info:
        ConfigLoader.load("dev", directory)

    dev = config_dir / "dev.yaml"
    assert str(info.value).splitlines()[1:] == [
        f"  - {dev}:2:3: logging.table: invalid schema name 'Ops-Team': contains a hyphen "
        "(allowed by Unity Catalog only inside backticks); names must match [a-z_][a-z0-9_]* "
        "— try 'ops_team'",
        f"  - {dev}:3:3: logging.layer: Input should be 'bronze', 'silver' or 'gold'",
        f"  - {dev}:4:3: logging.batch_size: Input should be greater than 0",
        f"  - {dev}:5:3: logging.flush_interval: unknown key; did you mean "
        "'flush_interval_seconds'? valid keys here: table, layer, level, batch_size, "
        "flush_interval_seconds, max_buffered_records",
    ]


def test_the_buffer_bound_must_hold_a_batch() -> None:
    with pytest.raises(
        ValueError, match=r"max_buffered_records \(10\) must be at least batch_size"
    ):
        LoggingConfig(batch_size=100, max_buffered_records=10)


class _Option:
    """Scala's Option as py4j hands it over: isDefined() and get()."""

    def __init__(self, value: str | None) -> None:
        self._value = value

    def isDefined(self) -> bool:  # noqa: N802 (the JVM's name)
        return self._value is not None

    def get(self) -> str:
        assert self._value is not None
        return self._value


class _Tags:
    """A Scala Map of the notebook context's tags: get() answers an Option."""

    def __init__(self, tags: dict[str, str]) -> None:
        self._tags = tags

    def get(self, key: str) -> _Option:
        return _Option(self._tags.get(key))


def _notebook_dbutils(tags: dict[str, str]) -> object:
    """A notebook's ``dbutils`` as far as the context tags: a remote runtime object that
    cannot run here, with the call chain MLflow also uses."""
    context_ = types.SimpleNamespace(tags=lambda: _Tags(tags))
    java_dbutils = types.SimpleNamespace(
        notebook=lambda: types.SimpleNamespace(getContext=lambda: context_)
    )
    entry_point = types.SimpleNamespace(getDbutils=lambda: java_dbutils)
    return types.SimpleNamespace(notebook=types.SimpleNamespace(entry_point=entry_point))


def _in_a_notebook(monkeypatch: pytest.MonkeyPatch, dbutils: object) -> None:
    shell = types.SimpleNamespace(user_ns={"dbutils": dbutils})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    monkeypatch.delenv("DATABRICKS_UTILS_RUN_ID", raising=False)
    monkeypatch.setattr(context, "_detected", {})


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"multitaskParentRunId": "100", "jobRunId": "200", "runId": "300"}, "100"),
        ({"jobRunId": "200", "runId": "300", "idInJob": "4"}, "200"),
        ({"runId": "300", "idInJob": "4"}, "300"),
        ({"idInJob": "4"}, "4"),
    ],
)
def test_in_a_databricks_notebook_task_the_run_id_comes_from_the_context_tags(
    monkeypatch: pytest.MonkeyPatch, tags: dict[str, str], expected: str
) -> None:
    _in_a_notebook(monkeypatch, _notebook_dbutils(tags))

    assert context.current_run_id() == expected


def test_an_interactive_notebook_gets_one_random_run_id(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_a_notebook(monkeypatch, _notebook_dbutils({}))

    run_id = context.current_run_id()

    assert re.fullmatch(r"[0-9a-f]{32}", run_id)
    assert context.current_run_id() == run_id


def test_an_unreachable_context_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_a_notebook(monkeypatch, object())  # no .notebook: every lookup fails

    assert re.fullmatch(r"[0-9a-f]{32}", context.current_run_id())


def test_the_run_id_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_a_notebook(monkeypatch, _notebook_dbutils({"jobRunId": "200"}))
    monkeypatch.setenv("DATABRICKS_UTILS_RUN_ID", " airflow-run-7 ")

    assert context.current_run_id() == "airflow-run-7"
