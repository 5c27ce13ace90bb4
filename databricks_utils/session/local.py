"""A local Spark session with Delta Lake."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from databricks_utils.config.models import SparkConfig
from databricks_utils.session import preflight
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
            starts (Java, versions, ``SPARK_REMOTE``) and for a JVM that fails to start.
    """
    settings = local_settings(config)
    preflight.check_not_remote(settings)
    use_ivy = config.jars_dir is None
    preflight.check_local_spark_installed(need_delta_pip=use_ivy)
    pyspark_version = preflight.installed_version("pyspark")
    delta_version = preflight.installed_version("delta-spark")
    if pyspark_version and delta_version:
        preflight.check_delta_compatibility(pyspark_version, delta_version)
    preflight.check_java()

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(config.master or DEFAULT_MASTER).appName(config.app_name)
    packages = [p for p in settings.pop("spark.jars.packages", "").split(",") if p]
    for key, value in settings.items():
        builder = builder.config(key, value)
    if use_ivy:
        from delta import configure_spark_with_delta_pip

        builder = configure_spark_with_delta_pip(builder, extra_packages=packages)
    elif packages:
        builder = builder.config("spark.jars.packages", ",".join(packages))
    try:
        return builder.getOrCreate()
    except Exception as exc:
        if "JAVA_GATEWAY_EXITED" not in str(exc) and "Java gateway" not in str(exc):
            raise
        raise SparkSessionError(_jvm_failed_message(delta_version, use_ivy)) from exc


def _jars_in(directory: Path) -> list[str]:
    if not directory.is_dir():
        raise SparkSessionError(f"spark.jars_dir {directory} is not a directory")
    jars = sorted(str(jar.resolve()) for jar in directory.glob("*.jar"))
    if not jars:
        raise SparkSessionError(
            f"spark.jars_dir {directory} holds no .jar files; download the Delta jars into it, "
            "e.g. mvn dependency:copy -Dartifact=io.delta:delta-spark_2.13:<version> "
            f"-DoutputDirectory={directory}"
        )
    return jars


def _jvm_failed_message(delta_version: str | None, use_ivy: bool) -> str:
    message = "the Spark JVM failed to start (its own output is above)."
    if use_ivy:
        coordinate = f"io.delta:delta-spark_2.13:{delta_version}"
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
