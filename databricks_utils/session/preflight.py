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

# delta-spark (major, minor) -> the Spark (major, minor) lines it runs on (docs.delta.io/releases
# and the release notes). Versions not listed are not checked.
DELTA_SPARK_COMPATIBILITY: dict[tuple[int, int], frozenset[tuple[int, int]]] = {
    (1, 0): frozenset({(3, 1)}),
    (1, 1): frozenset({(3, 2)}),
    (1, 2): frozenset({(3, 2)}),
    (2, 0): frozenset({(3, 2)}),
    (2, 1): frozenset({(3, 3)}),
    (2, 2): frozenset({(3, 3)}),
    (2, 3): frozenset({(3, 3)}),
    (2, 4): frozenset({(3, 4)}),
    (3, 0): frozenset({(3, 5)}),
    (3, 1): frozenset({(3, 5)}),
    (3, 2): frozenset({(3, 5)}),
    (3, 3): frozenset({(3, 5)}),
    (4, 0): frozenset({(4, 0)}),
    (4, 1): frozenset({(4, 0), (4, 1)}),
    (4, 2): frozenset({(4, 0), (4, 1)}),
    (4, 4): frozenset({(4, 0), (4, 1), (4, 2)}),
}


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or ``None`` when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_not_remote(settings: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> None:
    """Refuse a local request that the builder would silently turn into Spark Connect."""
    if "SPARK_REMOTE" in environ:
        raise SparkSessionError(
            "a local Spark session was requested, but the environment variable SPARK_REMOTE is "
            "set, which makes SparkSession.builder return a Spark Connect session instead. "
            "Unset SPARK_REMOTE, or configure spark.databricks_connect for remote compute."
        )
    if "spark.remote" in settings:
        raise SparkSessionError(
            'spark.config."spark.remote" turns the local session into a Spark Connect session; '
            "remove it, or configure spark.databricks_connect for remote compute."
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


def check_delta_compatibility(pyspark_version: str, delta_version: str) -> None:
    """Refuse a delta-spark / pyspark pair that cannot work together.

    Example:
        >>> check_delta_compatibility("4.0.1", "4.0.1")
        >>> check_delta_compatibility("4.0.1", "3.2.0")
        Traceback (most recent call last):
          ...
        databricks_utils.session.errors.SparkSessionError: delta-spark 3.2.0 needs ...
    """
    delta = _major_minor(delta_version)
    spark = _major_minor(pyspark_version)
    supported = DELTA_SPARK_COMPATIBILITY.get(delta) if delta and spark else None
    if supported is None or spark in supported:
        return
    lines = ", ".join(
        f"{_fmt(d)}.x -> Spark {'/'.join(_fmt(s) + '.x' for s in sorted(sparks))}"
        for d, sparks in sorted(DELTA_SPARK_COMPATIBILITY.items(), reverse=True)[:6]
    )
    wanted = " or ".join(_fmt(s) + ".x" for s in sorted(supported))
    raise SparkSessionError(
        f"delta-spark {delta_version} needs pyspark {wanted}, but pyspark {pyspark_version} is "
        f"installed. Install a matching pair ({SPARK_EXTRA} pins Delta 4.0.x with Spark 4.0.x, "
        f"as on Databricks Runtime 17). Compatible pairs: {lines}."
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


def _major_minor(version: str) -> tuple[int, int] | None:
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _fmt(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
