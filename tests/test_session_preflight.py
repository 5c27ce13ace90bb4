"""Failures before or while a local JVM starts read as advice, not py4j tracebacks.

Each case runs in a fresh interpreter: the suite's own process already has a session.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

import pytest

from databricks_utils.session import SparkSessionError
from databricks_utils.session.delta_runtime import delta_coordinate, supported_pair
from tests.conftest import CONNECT_CLIENT_ENV, installed_delta_coordinate, run_python

CREATE_SESSION = """
import sys
from databricks_utils.session import SparkSessionError, SparkSessionFactory
try:
    spark = SparkSessionFactory.create("local", {path!r})
except SparkSessionError as exc:
    print("SparkSessionError:", exc)
    sys.exit(3)
{after}
"""


def local_config(tmp_path: Path, extra: str = "") -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "defaults.yaml").write_text(
        "catalog: {name: spark_catalog, schema: preflight}\n", encoding="utf-8"
    )
    (directory / "local.yaml").write_text(
        "spark:\n  master: local[1]\n  warehouse_dir: warehouse\n  config:\n"
        "    spark.ui.enabled: false\n" + extra,
        encoding="utf-8",
    )
    return directory


def create_in_subprocess(
    path: Path, env: dict[str, str] | None = None, after: str = ""
) -> tuple[int, str]:
    # A local session is asked for, even on the Spark Connect leg (SPARK_REMOTE set).
    result = run_python(
        CREATE_SESSION.format(path=str(path), after=after), env=env, without=CONNECT_CLIENT_ENV
    )
    return result.returncode, result.stdout + result.stderr


def fake_distribution(root: Path, name: str, version: str) -> None:
    dist_info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )


def test_spark_remote_among_free_form_settings_is_refused(tmp_path: Path) -> None:
    code, output = create_in_subprocess(
        local_config(tmp_path, '    spark.remote: "sc://host:443/;token=S3CR3T"\n')
    )

    assert code == 3, output
    assert (
        'SparkSessionError: spark.config."spark.remote" turns the local session into a Spark '
        "Connect session; set spark.remote (next to spark.config) for a Spark Connect server"
    ) in output
    assert "S3CR3T" not in output


def test_missing_java_is_explained(tmp_path: Path) -> None:
    code, output = create_in_subprocess(
        local_config(tmp_path), {"PATH": str(tmp_path / "empty-bin"), "JAVA_HOME": ""}
    )

    assert code == 3, output
    assert "SparkSessionError: Java not found: local Spark needs Java 17 or newer" in output


def test_java_home_without_java_is_explained(tmp_path: Path) -> None:
    code, output = create_in_subprocess(local_config(tmp_path), {"JAVA_HOME": str(tmp_path)})

    assert code == 3, output
    assert f"SparkSessionError: JAVA_HOME is set to {tmp_path}, which has no bin/java" in output


@pytest.mark.parametrize(
    ("distribution", "version", "message"),
    [
        (
            "delta-spark",
            "4.4.1",
            f"pyspark {importlib.metadata.version('pyspark')} with delta-spark 4.4.1 is not a "
            "supported pair for a local session",
        ),
        ("databricks-connect", "17.0.0", "databricks-connect is installed in this environment"),
    ],
)
def test_conflicting_installs_fail_before_the_jvm_starts(
    tmp_path: Path, distribution: str, version: str, message: str
) -> None:
    fake_distribution(tmp_path / "site", distribution, version)

    code, output = create_in_subprocess(
        local_config(tmp_path), {"PYTHONPATH": str(tmp_path / "site")}
    )

    assert code == 3, output
    assert f"SparkSessionError: {message}" in output
    assert "Ivy Default Cache" not in output


def test_unresolvable_delta_jars_give_mirror_advice(tmp_path: Path) -> None:
    settings = tmp_path / "ivysettings.xml"
    settings.write_text(
        '<ivysettings><settings defaultResolver="mirror"/><resolvers>'
        '<ibiblio name="mirror" m2compatible="true" root="http://127.0.0.1:9/maven2/"/>'
        "</resolvers></ivysettings>",
        encoding="utf-8",
    )
    extra = f"    spark.jars.ivySettings: {settings}\n    spark.jars.ivy: {tmp_path / 'ivy'}\n"

    code, output = create_in_subprocess(local_config(tmp_path, extra))

    assert code == 3, output
    assert "SparkSessionError: the Spark JVM failed to start" in output
    assert f"Ivy could not download {installed_delta_coordinate()} (from" in output
    assert 'set spark.config."spark.jars.repositories" to the mirror URL' in output
    assert "set spark.jars_dir to it" in output


@pytest.mark.usefixtures("spark")  # the suite's session has put the Delta jars in Ivy's cache
def test_jars_dir_replaces_ivy_resolution(tmp_path: Path) -> None:
    jars = tmp_path / "jars"
    jars.mkdir()
    delta = importlib.metadata.version("delta-spark")
    artifact = installed_delta_coordinate().split(":")[1]
    for pattern in (
        f"io.delta_{artifact}-{delta}.jar",
        f"io.delta_delta-storage-{delta}.jar",
        "org.antlr_antlr4-runtime-*.jar",
    ):
        found = sorted(Path.home().glob(f".ivy2*/jars/{pattern}"))
        assert found, f"{pattern} is not in Ivy's cache"
        shutil.copy(found[-1], jars)
    config = local_config(tmp_path)
    (config / "local.yaml").write_text(
        (config / "local.yaml")
        .read_text(encoding="utf-8")
        .replace("spark:\n", f"spark:\n  jars_dir: {jars}\n"),
        encoding="utf-8",
    )

    code, output = create_in_subprocess(
        config,
        after=(
            "print('packages:', spark.sparkContext.getConf().get('spark.jars.packages', 'none'))\n"
            f"spark.range(3).write.format('delta').save({str(tmp_path / 't')!r})\n"
            f"print('rows:', spark.read.format('delta').load({str(tmp_path / 't')!r}).count())\n"
        ),
    )

    assert code == 0, output
    assert "packages: none" in output
    assert "rows: 3" in output


def test_empty_jars_dir_is_explained(tmp_path: Path) -> None:
    (tmp_path / "jars").mkdir()
    config = local_config(tmp_path)
    (config / "local.yaml").write_text(
        f"spark:\n  jars_dir: {tmp_path / 'jars'}\n", encoding="utf-8"
    )

    code, output = create_in_subprocess(config)

    assert code == 3, output
    assert f"SparkSessionError: spark.jars_dir {tmp_path / 'jars'} holds no .jar files" in output


def test_reusing_a_session_without_delta_warns(tmp_path: Path) -> None:
    result = run_python(
        f"""
        import warnings
        from pyspark.sql import SparkSession
        from databricks_utils.session import SparkSessionFactory
        builder = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
        plain = builder.getOrCreate()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            spark = SparkSessionFactory.create("local", {str(local_config(tmp_path))!r})
        print("same:", spark is plain)
        for w in caught:
            print(type(w.message).__name__, w.message)
        """,
        without=CONNECT_CLIENT_ENV,
    )

    assert result.returncode == 0, result.stderr
    assert "same: True" in result.stdout
    assert (
        "SparkConfigNotAppliedWarning the Spark session already running in this process was not "
        "started with Delta Lake"
    ) in result.stdout


@pytest.mark.parametrize(
    ("pyspark", "delta", "runtime", "coordinate"),
    [
        ("4.0.1", "4.0.1", "Databricks Runtime 17.3 LTS", "io.delta:delta-spark_2.13:4.0.1"),
        ("4.0.5", "4.0.0", "Databricks Runtime 17.3 LTS", "io.delta:delta-spark_2.13:4.0.0"),
        ("4.1.1", "4.1.0", "Databricks Runtime 18 LTS", "io.delta:delta-spark_4.1_2.13:4.1.0"),
        ("3.5.9", "3.3.3", "Databricks Runtime 15.4 / 16.4 LTS", "io.delta:delta-spark_2.12:3.3.3"),
        ("3.5.3", "3.2.0", "Databricks Runtime 15.4 / 16.4 LTS", "io.delta:delta-spark_2.12:3.2.0"),
    ],
)
def test_supported_pairs_name_their_runtime_and_jar(
    pyspark: str, delta: str, runtime: str, coordinate: str
) -> None:
    assert supported_pair(pyspark, delta).runtime == runtime
    assert delta_coordinate(pyspark, delta) == coordinate


SUPPORTED = (
    "Install one of: pyspark 4.1.0-4.1.1 with delta-spark 4.1.0 (Databricks Runtime 18 LTS); "
    "pyspark 4.0.x with delta-spark 4.0.x (Databricks Runtime 17.3 LTS); pyspark 3.5.x with "
    "delta-spark 3.2.x-3.3.x (Databricks Runtime 15.4 / 16.4 LTS); for example pip install "
    "'pyspark==4.0.*' 'delta-spark==4.0.*' (what pip install 'databricks-utils[spark]' gives)."
)


@pytest.mark.parametrize(
    ("pyspark", "delta"),
    [
        ("4.1.0", "4.0.1"),  # Delta 4.0 on Spark 4.1
        ("4.1.4", "4.1.0"),  # Delta 4.1.0 misses classes Spark 4.1.2+ removed
        ("4.1.4", "4.4.1"),  # what pip picks for pyspark 4.1.4: its jar does not resolve
        ("4.0.1", "3.3.3"),
        ("3.5.9", "4.0.1"),
        ("3.4.4", "2.4.0"),
        ("9.0.0", "9.1.0"),
    ],
)
def test_unsupported_pair_names_both_versions_and_the_supported_pairs(
    pyspark: str, delta: str
) -> None:
    with pytest.raises(SparkSessionError) as info:
        supported_pair(pyspark, delta)

    assert str(info.value) == (
        f"pyspark {pyspark} with delta-spark {delta} is not a supported pair for a local "
        f"session: their Delta jars do not work together or are untested. {SUPPORTED}"
    )
