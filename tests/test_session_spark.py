"""The session factory against the suite's real local Spark session with Delta Lake."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from chispa import assert_df_equality

from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader, EnvironmentConfig
from databricks_utils.session import (
    SparkConfigNotAppliedWarning,
    SparkSessionError,
    SparkSessionFactory,
    runtime,
)
from tests.conftest import SPARK_CONFIG_DIR, installed_delta_coordinate

pytestmark = pytest.mark.spark


def config_with(settings: dict[str, str]) -> EnvironmentConfig:
    base = ConfigLoader.load("test", SPARK_CONFIG_DIR)
    return base.model_copy(update={"spark": base.spark.model_copy(update={"config": settings})})


@pytest.fixture
def restore_shuffle_partitions(spark):
    yield
    spark.conf.set("spark.sql.shuffle.partitions", "2")


@pytest.mark.classic
def test_local_session_is_configured_from_the_test_environment(spark) -> None:
    conf = spark.conf
    assert spark.sparkContext.master == "local[2]"
    assert spark.sparkContext.appName == "databricks-utils-tests"
    assert conf.get("spark.sql.shuffle.partitions") == "2"
    assert "io.delta.sql.DeltaSparkSessionExtension" in conf.get("spark.sql.extensions")
    assert (
        conf.get("spark.sql.catalog.spark_catalog")
        == "org.apache.spark.sql.delta.catalog.DeltaCatalog"
    )
    packages = spark.sparkContext.getConf().get("spark.jars.packages")
    assert packages.split(",")[0] == installed_delta_coordinate()


def test_catalog_names_work_unchanged_in_save_as_table_and_spark_table(spark) -> None:
    names = CatalogHelper(ConfigLoader.load("test", SPARK_CONFIG_DIR))
    assert names.ensure_schemas(spark) == [
        "spark_catalog.dbu_tests_bronze",
        "spark_catalog.dbu_tests_silver",
        "spark_catalog.dbu_tests_gold",
    ]
    assert names.ensure_schemas(spark, ["bronze"]) == ["spark_catalog.dbu_tests_bronze"]
    assert names.ensure_schemas(spark, "silver") == ["spark_catalog.dbu_tests_silver"]
    assert spark.catalog.databaseExists("spark_catalog.dbu_tests_gold")
    table = names.table_name("bronze", "raw_customers")
    source = spark.createDataFrame([(1, "ada"), (2, "grace")], "id INT, name STRING")

    source.write.format("delta").mode("overwrite").saveAsTable(table)

    assert table == "spark_catalog.dbu_tests_bronze.raw_customers"
    assert_df_equality(spark.table(table), source, ignore_row_order=True)
    detail = spark.sql(f"DESCRIBE DETAIL {names.quoted_table_name('bronze', 'raw_customers')}")
    assert detail.select("format").first()[0] == "delta"


def test_second_create_reuses_the_running_session(spark) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = SparkSessionFactory.create("test", SPARK_CONFIG_DIR)

    assert again is spark


@pytest.mark.usefixtures("restore_shuffle_partitions")
def test_reuse_applies_runtime_settings_and_warns_about_static_ones(spark) -> None:
    settings = {
        "spark.sql.shuffle.partitions": "5",
        "spark.driver.memory": "9g",
        "spark.sql.extensions": "com.example.Other",
    }

    with pytest.warns(SparkConfigNotAppliedWarning) as record:
        session = SparkSessionFactory.from_config(config_with(settings))

    assert session is spark
    assert spark.conf.get("spark.sql.shuffle.partitions") == "5"
    assert [str(w.message) for w in record] == [
        "2 spark.config setting(s) not applied to the existing Spark session (static, fixed "
        "when the session started: spark.driver.memory, spark.sql.extensions)"
    ]


@pytest.mark.classic
@pytest.mark.usefixtures("restore_shuffle_partitions")
def test_on_databricks_the_active_session_is_returned_and_configured(
    spark, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    settings = {"spark.sql.shuffle.partitions": "7", "spark.executor.memory": "4g"}

    with pytest.warns(
        SparkConfigNotAppliedWarning,
        match=r"static, fixed when the session started: spark.executor.memory\)$",
    ):
        session = SparkSessionFactory.from_config(config_with(settings))

    assert session is spark
    assert spark.conf.get("spark.sql.shuffle.partitions") == "7"
    assert not spark.sparkContext._jsc.sc().isStopped()


def test_on_a_classic_cluster_a_refused_value_is_an_error(
    spark, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")

    with pytest.raises(SparkSessionError) as info:
        SparkSessionFactory.from_config(config_with({"spark.sql.shuffle.partitions": "many"}))
    with pytest.raises(Exception, match="many") as refused:  # Spark words it by version
        spark.conf.set("spark.sql.shuffle.partitions", "many")

    reason = str(refused.value).strip().splitlines()[0]
    assert "many" in reason
    assert str(info.value) == (
        f'spark.config."spark.sql.shuffle.partitions": the Spark session refused the value: '
        f"{reason}"
    )
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"


def test_on_serverless_refused_settings_are_skipped_with_one_warning(
    spark, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "client.2.5")

    with pytest.warns(SparkConfigNotAppliedWarning) as record:
        session = SparkSessionFactory.from_config(
            config_with({"spark.sql.shuffle.partitions": "many", "spark.driver.memory": "1g"})
        )

    assert session is spark
    assert [str(w.message) for w in record] == [
        "2 spark.config setting(s) not applied to the existing Spark session (static, fixed "
        "when the session started: spark.driver.memory; refused by this compute: "
        "spark.sql.shuffle.partitions)"
    ]
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"


def test_runtime_detection(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    monkeypatch.setattr(runtime, "DBR_VERSION_FILE", tmp_path / "DBR_VERSION")
    assert runtime.databricks_runtime_version() is None
    assert not runtime.is_databricks_runtime()

    (tmp_path / "DBR_VERSION").write_text("16.4\n", encoding="utf-8")
    assert runtime.databricks_runtime_version() == "16.4"
    assert runtime.is_databricks_runtime()
    assert not runtime.is_serverless()

    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "client.3.1")
    assert runtime.is_serverless()


def test_databricks_connect_not_installed_is_a_clear_error(write_config) -> None:
    path = write_config(
        defaults="catalog: {name: dev_analytics, schema: customer_360}\n",
        dev="spark:\n  databricks_connect:\n    profile: dev\n    serverless: true\n",
    )

    with pytest.raises(SparkSessionError) as info:
        SparkSessionFactory.create("dev", path)

    assert str(info.value) == (
        "spark.databricks_connect is configured but databricks-connect is not installed: "
        "pip install databricks-connect, in a virtualenv without pyspark (they conflict)"
    )
