"""Every environment's configuration loads, and its tables get valid Unity Catalog names."""

import pytest
from conftest import CONFIG_DIR
from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader

pytestmark = pytest.mark.unit

ENVIRONMENTS = ["dev", "lab", "local", "prod"]


def test_the_project_defines_these_environments():
    assert ConfigLoader.environments(CONFIG_DIR) == ENVIRONMENTS


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_loads_and_names_its_tables(env):
    config = ConfigLoader.load(env, CONFIG_DIR)

    names = CatalogHelper(config)
    expected_catalog = "spark_catalog" if env == "local" else f"{env}_{{ cookiecutter.catalog }}"
    assert names.table_name("silver", "customers") == (
        f"{expected_catalog}.{{ cookiecutter.schema }}_silver.customers"
    )
