"""Spark Connect sessions from the factory: ``SPARK_REMOTE`` or ``spark.remote``, an
``sc://`` server or ``local[N]`` (a Connect server with Delta started in-process).

Each case that starts a session runs in a fresh interpreter: a process holds one driver.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from databricks_utils.session import is_spark_connect
from tests.conftest import (
    CONNECT_CLIENT_ENV,
    SPARK_CONFIG_DIR,
    SPARK_LEG,
    free_port,
    run_python,
)

CONNECT_DEPENDENCIES = importlib.util.find_spec("grpc") is not None
PYSPARK_4 = importlib.util.find_spec("pyspark.sql.connect.client") is not None and (
    __import__("pyspark").__version__ >= "4"
)

CREATE = """
import json, sys
from databricks_utils.session import SparkSessionError, SparkSessionFactory, is_spark_connect
try:
    spark = SparkSessionFactory.create("local", {path!r})
except SparkSessionError as exc:
    print(json.dumps({{"error": str(exc)}}))
    sys.exit(0)
{after}
"""


def connect_config(tmp_path: Path, remote: str | None) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "defaults.yaml").write_text(
        "catalog: {name: spark_catalog, schema: connect}\n", encoding="utf-8"
    )
    remote_line = f"  remote: {json.dumps(remote)}\n" if remote else ""
    (directory / "local.yaml").write_text(
        f"spark:\n{remote_line}  warehouse_dir: warehouse\n  config:\n"
        "    spark.ui.enabled: false\n    spark.sql.shuffle.partitions: 2\n",
        encoding="utf-8",
    )
    return directory


def last_json(stdout: str) -> dict[str, object]:
    printed: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return printed


def test_an_unreachable_server_is_named_without_its_token(tmp_path: Path) -> None:
    port = free_port()
    url = f"sc://127.0.0.1:{port}/;token=S3CR3T"
    run = run_python(
        CREATE.format(path=str(connect_config(tmp_path, None)), after="print('{}')"),
        env={"SPARK_REMOTE": url},
    )

    assert run.returncode == 0, run.stderr[-3000:]
    assert last_json(run.stdout) == {
        "error": "the Spark Connect server at sc://127.0.0.1:"
        f"{port}/;token=********** does not answer: cannot connect to 127.0.0.1:{port} "
        "(Connection refused). Start it, or fix spark.remote / SPARK_REMOTE."
    }
    assert "S3CR3T" not in run.stdout + run.stderr


@pytest.mark.classic
@pytest.mark.skipif(
    not (CONNECT_DEPENDENCIES and PYSPARK_4), reason="pyspark 4 ships the Connect server"
)
def test_spark_remote_local_starts_a_connect_server_with_delta(tmp_path: Path) -> None:
    after = """
from databricks_utils.delta import append_new
rows = spark.createDataFrame([(1, "a"), (2, "b")], "id INT, v STRING")
first = append_new("t", rows, "id")
again = append_new("t", rows, "id")
print(json.dumps({
    "connect": is_spark_connect(spark),
    "format": spark.sql("DESCRIBE DETAIL t").head()["format"],
    "rows": sorted(map(list, spark.table("t").collect())),
    "versions": [first.version, again.version],
    "shuffle": spark.conf.get("spark.sql.shuffle.partitions"),
}))
spark.stop()
"""
    run = run_python(
        CREATE.format(path=str(connect_config(tmp_path, "local[2]")), after=after),
        without=CONNECT_CLIENT_ENV,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    assert last_json(run.stdout) == {
        "connect": True,
        "format": "delta",
        "rows": [[1, "a"], [2, "b"]],
        "versions": [0, None],
        "shuffle": "2",
    }


@pytest.mark.connect_leg
def test_the_connect_leg_runs_on_a_spark_connect_session(spark) -> None:
    assert is_spark_connect(spark)
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    assert spark.sql("SELECT 1 AS one").head()["one"] == 1
    assert SPARK_CONFIG_DIR.is_dir()
    assert SPARK_LEG == "connect"
