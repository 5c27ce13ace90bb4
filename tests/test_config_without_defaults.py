"""``defaults.yaml`` is optional: a ``config/`` of ``<env>.yaml`` files is found alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from databricks_utils.config import CONFIG_DIR_ENV_VAR, ConfigError, ConfigLoader
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig

PROD = MINIMAL_DEFAULTS.replace("dev_analytics", "prod_analytics")


@pytest.fixture
def only_environments(write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(CONFIG_DIR_ENV_VAR, raising=False)
    return write_config(dev=MINIMAL_DEFAULTS, prod=PROD)


def test_found_from_a_nested_working_directory(
    only_environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebooks = only_environments.parent / "notebooks" / "silver"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(notebooks)

    assert ConfigLoader.find_config_dir().resolve() == only_environments.resolve()
    assert ConfigLoader.find_config_dir(env="prod").resolve() == only_environments.resolve()
    assert ConfigLoader.load("prod").catalog.name == "prod_analytics"
    assert ConfigLoader.environments() == ["dev", "prod"]


def test_found_through_the_environment_variable_and_path(
    only_environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_path = ConfigLoader.load("dev", only_environments)
    monkeypatch.setenv(CONFIG_DIR_ENV_VAR, str(only_environments))

    assert ConfigLoader.load("dev") == by_path
    assert by_path.catalog.name == "dev_analytics"
    assert by_path.spark.config["spark.sql.shuffle.partitions"] == "200"


def test_searching_upwards_skips_a_config_dir_without_the_environment(
    only_environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested = only_environments.parent / "tools" / "config"
    nested.mkdir(parents=True)
    (nested / "lint.yaml").write_text("rules: []\n")
    monkeypatch.chdir(nested.parent)

    assert ConfigLoader.find_config_dir(env="prod").resolve() == only_environments.resolve()


def test_an_unknown_environment_lists_the_ones_found(only_environments: Path) -> None:
    with pytest.raises(ConfigError) as info:
        ConfigLoader.load("lab", only_environments)

    assert [p.message for p in info.value.problems] == [
        "unknown environment 'lab': no lab.yaml; environments found: dev, prod"
    ]
