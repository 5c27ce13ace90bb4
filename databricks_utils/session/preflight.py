"""Checks made before starting a local JVM, so failures read as advice, not py4j traces."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from databricks_utils.session.errors import SparkSessionError

MIN_JAVA_MAJOR = 17
SPARK_EXTRA = "pip install 'databricks-utils[spark]'"


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or ``None`` when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_no_remote_setting(settings: Mapping[str, str]) -> None:
    """Refuse ``spark.remote`` among the free-form settings, where the builder would silently
    turn a local session into a Spark Connect one."""
    if "spark.remote" in settings:
        raise SparkSessionError(
            'spark.config."spark.remote" turns the local session into a Spark Connect session; '
            "set spark.remote (next to spark.config) for a Spark Connect server, or "
            "spark.databricks_connect for Databricks compute."
        )


def check_local_spark_installed(*, need_delta_pip: bool) -> None:
    """pyspark (and delta-spark, when its jars come through Ivy) must be installed."""
    if installed_version("databricks-connect") is not None:
        raise SparkSessionError(
            "databricks-connect is installed in this environment: it replaces pyspark with a "
            "Spark Connect client that cannot run Spark locally. Use a separate virtualenv "
            f"for local Spark ({SPARK_EXTRA}), or configure spark.databricks_connect."
        )
    if importlib.util.find_spec("pyspark") is None:
        raise SparkSessionError(f"pyspark is not installed; for local Spark run: {SPARK_EXTRA}")
    if need_delta_pip and installed_version("delta-spark") is None:
        raise SparkSessionError(
            f"delta-spark is not installed; for local Spark with Delta Lake run: {SPARK_EXTRA} "
            "(or point spark.jars_dir at a directory holding the Delta jars)"
        )


def check_java(environ: Mapping[str, str] = os.environ) -> str:
    """The java executable Spark will use; refuse a missing or too old one.

    Raises:
        SparkSessionError: naming JAVA_HOME or PATH, and the version found.
    """
    java_home = environ.get("JAVA_HOME")
    if java_home:
        java = Path(java_home) / "bin" / "java"
        if not java.is_file():
            raise SparkSessionError(
                f"JAVA_HOME is set to {java_home}, which has no bin/java. Point JAVA_HOME at a "
                f"Java {MIN_JAVA_MAJOR}+ installation, or unset it to use the java on PATH."
            )
        executable = str(java)
    else:
        found = shutil.which("java", path=environ.get("PATH"))
        if found is None:
            raise SparkSessionError(
                f"Java not found: local Spark needs Java {MIN_JAVA_MAJOR} or newer, and neither "
                "JAVA_HOME is set nor is java on PATH. Install a JDK (for example "
                "openjdk-17-jre-headless) and set JAVA_HOME."
            )
        executable = found
    major = _java_major(executable)
    if major is not None and major < MIN_JAVA_MAJOR:
        raise SparkSessionError(
            f"{executable} is Java {major}; Spark 4 needs Java {MIN_JAVA_MAJOR} or newer. "
            "Install a newer JDK and point JAVA_HOME at it."
        )
    return executable


def _java_major(executable: str) -> int | None:
    try:
        result = subprocess.run(
            [executable, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SparkSessionError(f"cannot run {executable} -version: {exc}") from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8
