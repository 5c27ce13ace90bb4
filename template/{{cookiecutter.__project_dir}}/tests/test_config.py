"""Every environment's configuration loads, and its tables get valid Unity Catalog names."""

import pytest
from conftest import CONFIG_DIR
from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader

pytestmark = pytest.mark.unit

SCHEMA = "{{ cookiecutter.schema }}"
# In dev, each developer's own schemas.
SCHEMAS = {
    "dev": f"dev_{{ cookiecutter.catalog }}.{SCHEMA}_alice_smith",
    "lab": f"lab_{{ cookiecutter.catalog }}.{SCHEMA}",
    "local": f"spark_catalog.{SCHEMA}",
    "prod": f"prod_{{ cookiecutter.catalog }}.{SCHEMA}",
}


def test_the_project_defines_these_environments():
    assert ConfigLoader.environments(CONFIG_DIR) == sorted(SCHEMAS)


@pytest.mark.parametrize("env", sorted(SCHEMAS))
def test_environment_loads_and_names_its_tables(env, monkeypatch):
    # As the bundle's ${workspace.current_user.short_name} for alice.smith@example.com.
    monkeypatch.setenv("DATABRICKS_USER_SHORT_NAME", "alice_smith")
    config = ConfigLoader.load(env, CONFIG_DIR)

    expected = f"{SCHEMAS[env]}_silver.customers"
    assert CatalogHelper(config).table_name("silver", "customers") == expected
