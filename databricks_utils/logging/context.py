"""Who runs the pipeline and which run it is: the ``user`` and ``run_id`` columns."""

from __future__ import annotations

import getpass
import os
import sys
import uuid
from typing import TYPE_CHECKING, Any

from databricks_utils.session.runtime import is_databricks_runtime, is_spark_connect

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

RUN_ID_ENV_VAR = "DATABRICKS_UTILS_RUN_ID"
UNKNOWN_USER = "unknown"
# Notebook context tags, most general first: the run of the whole (multi-task) job, then
# the run of the job, then the run of the task, then the run's number within its job.
_RUN_ID_TAGS = ("multitaskParentRunId", "jobRunId", "runId", "idInJob")
# Set by Databricks on job runs, as a Spark setting or a local property of the context.
_RUN_ID_SPARK_KEY = "spark.databricks.job.runId"

# Values found are kept for the life of the process: they cannot change while it runs.
_detected: dict[str, str] = {}


def current_run_id(spark: SparkSession | None = None) -> str:
    """The id of this run: one value for every log row of a job run or process.

    In order: ``$DATABRICKS_UTILS_RUN_ID`` (pass an orchestrator's run id this way); on
    Databricks, the job run id from the notebook context or the Spark settings; otherwise a
    random id made once per process. Lookups are best-effort and never raise.

    Example:
        >>> current_run_id() == current_run_id()
        True
    """
    from_env = os.environ.get(RUN_ID_ENV_VAR, "").strip()
    if from_env:
        return from_env
    if "job_run_id" not in _detected and is_databricks_runtime():
        found = _notebook_context_run_id() or (_spark_run_id(spark) if spark is not None else None)
        if found:
            _detected["job_run_id"] = found
    if "job_run_id" in _detected:
        return _detected["job_run_id"]
    return _detected.setdefault("process_run_id", uuid.uuid4().hex)


def current_user(spark: SparkSession | None = None) -> str:
    """The user the pipeline runs as.

    On Databricks, or over Databricks Connect, the Databricks user (``current_user()``,
    asked once per process); elsewhere the OS user. Never raises: ``"unknown"`` when
    nothing answers.

    Example:
        >>> current_user() == current_user()
        True
    """
    if spark is not None and (is_databricks_runtime() or is_spark_connect(spark)):
        if "user" not in _detected:
            user = _spark_user(spark)
            if user:
                _detected["user"] = user
        if "user" in _detected:
            return _detected["user"]
    return _os_user()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry (some containers)
        return UNKNOWN_USER


def _spark_user(spark: SparkSession) -> str | None:
    try:
        row = spark.sql("SELECT current_user()").first()
    except Exception:
        return None
    return None if row is None or not row[0] else str(row[0])


def _notebook_context_run_id() -> str | None:
    # The context of a notebook task, reached through the notebook's dbutils (as MLflow does).
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
        dbutils: Any = shell.user_ns["dbutils"]
        tags = dbutils.notebook.entry_point.getDbutils().notebook().getContext().tags()
        for key in _RUN_ID_TAGS:
            value = tags.get(key)
            if value.isDefined() and str(value.get()):
                return str(value.get())
    except Exception:
        return None
    return None


def _spark_run_id(spark: SparkSession) -> str | None:
    try:
        value = spark.conf.get(_RUN_ID_SPARK_KEY, None)
        if not value and not is_spark_connect(spark):
            value = spark.sparkContext.getLocalProperty(_RUN_ID_SPARK_KEY)
    except Exception:
        return None
    return str(value) if value else None
