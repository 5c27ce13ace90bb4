"""Every environment's configuration loads, and its tables get valid Unity Catalog names."""

import pytest
from conftest import CONFIG_DIR
from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader

pytestmark = pytest.mark.unit

CATALOGS = {
    "dev": "dev_{{ cookiecutter.catalog }}",
    "lab": "lab_{{ cookiecutter.catalog }}",
    "local": "spark_catalog",
    "prod": "prod_{{ cookiecutter.catalog }}",
}
SCHEMA = "{{ cookiecutter.schema }}"


def test_the_project_defines_these_environments():
    assert ConfigLoader.environments(CONFIG_DIR) == sorted(CATALOGS)


@pytest.mark.parametrize("env", sorted(CATALOGS))
def test_environment_loads_and_names_its_tables(env):
    config = ConfigLoader.load(env, CONFIG_DIR)

    expected = f"{CATALOGS[env]}.{SCHEMA}_silver.customers"
    assert CatalogHelper(config).table_name("silver", "customers") == expected
