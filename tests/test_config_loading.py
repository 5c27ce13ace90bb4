"""Layering, merging, substitution and discovery of configuration files."""

from __future__ import annotations

from pathlib import Path

import pytest

from databricks_utils.config import CONFIG_DIR_ENV_VAR, ConfigLoader, EnvironmentConfig
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig


def test_env_file_setting_one_spark_key_keeps_every_other_default(
    write_config: WriteConfig,
) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="""
        spark:
          config:
            spark.sql.shuffle.partitions: 8
        """,
    )

    cfg = ConfigLoader.load("dev", path)

    assert cfg.environment == "dev"
    assert cfg.spark.app_name == "customer_360"
    assert cfg.spark.config == {
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.adaptive.enabled": "true",
    }
    assert cfg.catalog.name == "dev_analytics"
    assert cfg.catalog.schema_ == "customer_360"


def test_lists_and_scalars_are_replaced_and_null_removes_a_spark_setting(
    write_config: WriteConfig,
) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="""
        spark:
          master: local[4]
          config:
            spark.sql.adaptive.enabled: null
        """,
    )

    cfg = ConfigLoader.load("dev", path)

    assert cfg.spark.master == "local[4]"
    assert cfg.spark.config == {"spark.sql.shuffle.partitions": "200"}


def test_overrides_merge_last_and_deeply(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark: {master: 'local[4]'}\n")

    cfg = ConfigLoader.load(
        "dev", path, overrides={"spark": {"config": {"spark.sql.shuffle.partitions": 2}}}
    )

    assert cfg.spark.master == "local[4]"
    assert cfg.spark.config == {
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.adaptive.enabled": "true",
    }


def test_spark_config_scalars_become_spark_strings(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="""
        spark:
          config:
            a.bool: false
            a.int: 4
            a.float: 0.5
            a.date: 2024-01-31
            a.text: "true"
        """,
    )

    config = ConfigLoader.load("dev", path).spark.config

    assert {k: v for k, v in config.items() if k.startswith("a.")} == {
        "a.bool": "false",
        "a.int": "4",
        "a.float": "0.5",
        "a.date": "2024-01-31",
        "a.text": "true",
    }


def test_empty_env_file_means_defaults_only(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, local="# nothing to change\n")

    cfg = ConfigLoader.load("local", path)

    assert cfg.spark.config["spark.sql.shuffle.partitions"] == "200"


def test_environment_key_matching_the_file_is_accepted(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, prod="environment: prod\n")

    assert ConfigLoader.load("prod", path).environment == "prod"


def test_variables_are_substituted_after_parsing(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBU_CATALOG", "prod_analytics")
    monkeypatch.setenv("DBU_EMPTY", "")
    monkeypatch.delenv("DBU_UNSET", raising=False)
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        prod="""
        spark:
          app_name: "${DBU_UNSET:-fallback}-${DBU_EMPTY:-was-empty}"
          master: "$${LITERAL}"
          config:
            partitions: ${DBU_UNSET:-16}
        catalog:
          name: ${DBU_CATALOG}
        """,
    )

    cfg = ConfigLoader.load("prod", path)

    assert cfg.spark.app_name == "fallback-was-empty"
    assert cfg.spark.master == "${LITERAL}"
    assert cfg.spark.config["partitions"] == "16"
    assert cfg.catalog.name == "prod_analytics"


def test_names_are_lower_cased_as_unity_catalog_stores_them(write_config: WriteConfig) -> None:
    path = write_config(defaults="catalog: {name: Dev_Analytics, schema: Customer_360}\n", dev="")

    cfg = ConfigLoader.load("dev", path)

    assert (cfg.catalog.name, cfg.catalog.schema_) == ("dev_analytics", "customer_360")


def test_relative_paths_resolve_against_the_project_root(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        local="spark: {warehouse_dir: .spark/warehouse, jars_dir: /opt/jars}\n",
    )

    cfg = ConfigLoader.load("local", path)

    assert cfg.spark.warehouse_dir == str((path.parent / ".spark/warehouse").resolve())
    assert cfg.spark.jars_dir == "/opt/jars"


def test_warehouse_defaults_to_the_project_root_whatever_the_working_directory(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, local="")
    (path.parent / "notebooks").mkdir()
    monkeypatch.chdir(path.parent / "notebooks")

    cfg = ConfigLoader.load("local", Path("../config"))

    assert cfg.spark.warehouse_dir == str((path.parent / "spark-warehouse").resolve())
    assert cfg.spark.jars_dir is None


def test_config_dir_from_environment_variable(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="")
    monkeypatch.setenv(CONFIG_DIR_ENV_VAR, str(path))

    assert ConfigLoader.find_config_dir() == path
    assert ConfigLoader.load("dev").catalog.name == "dev_analytics"


def test_config_dir_found_from_a_nested_working_directory(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="")
    notebook_dir = path.parent / "notebooks" / "silver"
    notebook_dir.mkdir(parents=True)
    monkeypatch.delenv(CONFIG_DIR_ENV_VAR, raising=False)
    monkeypatch.chdir(notebook_dir)

    assert ConfigLoader.find_config_dir().resolve() == path.resolve()
    assert ConfigLoader.load("dev").environment == "dev"


def test_environments_lists_env_files(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="", prod="", local="")

    assert ConfigLoader.environments(path) == ["dev", "local", "prod"]


def test_top_level_x_keys_hold_yaml_anchors_and_are_ignored(write_config: WriteConfig) -> None:
    path = write_config(
        defaults="""
        x-tuning: &tuning
          spark.sql.shuffle.partitions: 4
        spark:
          config:
            <<: *tuning
            spark.sql.adaptive.enabled: true
        catalog: {name: dev_analytics, schema: customer_360}
        """,
        dev="",
    )

    cfg = ConfigLoader.load("dev", path)

    assert cfg.spark.config == {
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.adaptive.enabled": "true",
    }


def test_environment_config_can_be_built_in_code() -> None:
    cfg = EnvironmentConfig(
        environment="dev", catalog={"name": "dev_analytics", "schema": "customer_360"}
    )

    assert cfg.spark.app_name == "databricks-utils"
    assert cfg.monte_carlo is None
    assert cfg.model_copy(update={"environment": "prod"}).environment == "prod"


def test_relative_config_path_is_accepted(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="")
    monkeypatch.chdir(path.parent)

    assert ConfigLoader.load("dev", Path("config")).catalog.schema_ == "customer_360"
