"""``deduplicate`` on a Spark Connect session (what Databricks serverless compute gives).

pyspark's local Connect server runs in a process of its own: a process holds one Spark
driver, and the suite's classic session already owns this one.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_python

pytestmark = pytest.mark.spark

ON_CONNECT = """
import json
from pyspark.sql import SparkSession
from databricks_utils.delta import MergeInputError, deduplicate

spark = (
    SparkSession.builder.remote("local[2]")
    .config("spark.sql.shuffle.partitions", "2")
    .getOrCreate()
)
rows = spark.createDataFrame(
    [(1, "a", 10), (1, "b", 20), (2, "d", 5), (None, "x", 1), (None, "y", 2), (2, "c", 5)],
    "id INT, v STRING, ts INT",
)
try:
    deduplicate(rows, "nope", "ts")
    error = None
except MergeInputError as caught:
    error = str(caught)
print(json.dumps({
    "session": type(spark).__module__,
    "last": sorted(map(list, deduplicate(rows, "id", "ts").collect()), key=str),
    "first": sorted(map(list, deduplicate(rows, "id", "ts", keep="first").collect()), key=str),
    "error": error,
}))
spark.stop()
"""


def test_deduplicate_runs_on_a_spark_connect_session() -> None:
    run = run_python(ON_CONNECT)

    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {
        "session": "pyspark.sql.connect.session",
        "last": [[1, "b", 20], [2, "d", 5], [None, "y", 2]],
        "first": [[1, "a", 10], [2, "c", 5], [None, "x", 1]],
        "error": "keys: DataFrame has no column(s) 'nope'; DataFrame columns are 'id', 'v', 'ts'",
    }
