"""A local Spark session with Delta Lake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from databricks_utils.config.models import SparkConfig
from databricks_utils.session import preflight
from databricks_utils.session.delta_runtime import delta_coordinate, supported_pair
from databricks_utils.session.errors import SparkSessionError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"


def local_settings(config: SparkConfig) -> dict[str, str]:
    """The settings a new local session starts with: ``spark.config`` plus Delta Lake.

    Delta's SQL extension is added to any extensions already configured; the session
    catalog becomes Delta's unless ``spark.sql.catalog.spark_catalog`` is set. Jars come
    from ``spark.jars_dir`` when set (added to ``spark.jars``). The Delta package itself
    is added to ``spark.jars.packages`` when the session is built.

    Example:
        >>> local_settings(SparkConfig())["spark.sql.extensions"]
        'io.delta.sql.DeltaSparkSessionExtension'
    """
    settings = dict(config.config)
    extensions = [
        e.strip() for e in settings.get("spark.sql.extensions", "").split(",") if e.strip()
    ]
    if DELTA_EXTENSION not in extensions:
        extensions.append(DELTA_EXTENSION)
    settings["spark.sql.extensions"] = ",".join(extensions)
    settings.setdefault("spark.sql.catalog.spark_catalog", DELTA_CATALOG)
    if config.warehouse_dir is not None:
        settings.setdefault("spark.sql.warehouse.dir", config.warehouse_dir)
    if config.jars_dir is not None:
        jars = [j for j in settings.get("spark.jars", "").split(",") if j]
        settings["spark.jars"] = ",".join([*jars, *_jars_in(Path(config.jars_dir))])
    return settings


def create_local_session(config: SparkConfig) -> SparkSession:
    """Start a local session for ``config`` (callers reuse a running one first).

    Raises:
        SparkSessionError: with advice, for everything that can be checked before the JVM
            starts (Java, versions, ``spark.remote`` in ``spark.config``) and for a JVM that
            fails to start.
    """
    settings = startup_settings(config)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(config.master or DEFAULT_MASTER).appName(config.app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    with jvm_start_advice(config):
        return builder.getOrCreate()


def startup_settings(config: SparkConfig) -> dict[str, str]:
    """``local_settings`` plus the Delta jar for the installed pyspark and delta-spark, after
    checking that a local JVM can start with them.

    Raises:
        SparkSessionError: for a missing pyspark, delta-spark or Java, an unsupported pair.
    """
    settings = local_settings(config)
    preflight.check_no_remote_setting(settings)
    use_ivy = config.jars_dir is None
    preflight.check_local_spark_installed(need_delta_pip=use_ivy)
    coordinate = _installed_delta_coordinate()
    preflight.check_java()
    packages = [p for p in settings.pop("spark.jars.packages", "").split(",") if p]
    if use_ivy and coordinate is not None:
        packages.insert(0, coordinate)
    if packages:
        settings["spark.jars.packages"] = ",".join(packages)
    return settings


@contextmanager
def jvm_start_advice(config: SparkConfig) -> Iterator[None]:
    """Turn a JVM that fails to start into a ``SparkSessionError`` with advice."""
    try:
        yield
    except Exception as exc:
        if "JAVA_GATEWAY_EXITED" not in str(exc) and "Java gateway" not in str(exc):
            raise
        coordinate = _installed_delta_coordinate() if config.jars_dir is None else None
        raise SparkSessionError(_jvm_failed_message(coordinate)) from exc


def _installed_delta_coordinate() -> str | None:
    """The Delta jar of the installed pyspark and delta-spark, refusing an unsupported pair."""
    delta_version = preflight.installed_version("delta-spark")
    if delta_version is None:
        return None
    pyspark_version = preflight.installed_version("pyspark") or ""
    supported_pair(pyspark_version, delta_version)
    return delta_coordinate(pyspark_version, delta_version)


def _jars_in(directory: Path) -> list[str]:
    installed = preflight.installed_version("delta-spark")
    pyspark = preflight.installed_version("pyspark") or ""
    artifact = (
        delta_coordinate(pyspark, installed) if installed else "io.delta:<delta-spark>:<version>"
    )
    if not directory.is_dir():
        raise SparkSessionError(f"spark.jars_dir {directory} is not a directory")
    jars = sorted(str(jar.resolve()) for jar in directory.glob("*.jar"))
    if not jars:
        raise SparkSessionError(
            f"spark.jars_dir {directory} holds no .jar files; download the Delta jars into it, "
            f"e.g. mvn dependency:copy -Dartifact={artifact} "
            f"-DoutputDirectory={directory}"
        )
    return jars


def _jvm_failed_message(coordinate: str | None) -> str:
    message = "the Spark JVM failed to start (its own output is above)."
    if coordinate is not None:
        message += (
            f" The most common cause is that Ivy could not download {coordinate} (from "
            "spark.jars.packages) from Maven Central. Behind a proxy or a corporate mirror, set "
            'spark.config."spark.jars.repositories" to the mirror URL, or '
            '"spark.jars.ivySettings" to an ivysettings.xml; offline, download the jars '
            "(mvn dependency:copy) into a directory and set spark.jars_dir to it; "
            '"spark.jars.ivy" moves the Ivy cache to a pre-warmed directory.'
        )
    message += " Also check that Java 17+ works: java -version."
    return message
