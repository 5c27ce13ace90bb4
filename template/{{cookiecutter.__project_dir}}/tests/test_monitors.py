"""Monte Carlo rules: declared next to the code, resolved to each environment's tables."""

import pytest
from conftest import CONFIG_DIR
from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader
from databricks_utils.observability import MonteCarloSync, rules_of

from {{ cookiecutter.package_name }} import pipeline
from {{ cookiecutter.package_name }}.transformations.bronze import customers as bronze
from {{ cookiecutter.package_name }}.transformations.silver import customers as silver

pytestmark = pytest.mark.unit


def test_rules_sit_on_the_functions_that_build_the_tables():
    [volume] = rules_of(bronze.load_customers)
    [freshness] = rules_of(silver.build_customers)

    assert (volume.rule_type, volume.layer, volume.table) == ("volume", "bronze", bronze.TABLE)
    assert (freshness.rule_type, freshness.layer, freshness.table) == (
        "freshness",
        "silver",
        silver.TABLE,
    )


@pytest.mark.parametrize("env", ["dev", "lab", "prod"])
def test_monitors_watch_the_tables_the_pipeline_writes(env, tmp_path):
    config = ConfigLoader.load(env, CONFIG_DIR)
    sync = MonteCarloSync(config=config)
    sync.register_rules_from_module(pipeline.__package__, strict=True)

    tables = sorted(monitor.table.dotted for monitor in sync.monitors())

    names = CatalogHelper(config)
    assert sync.namespace == f"{pipeline.PROJECT}-{env}"
    assert tables == [
        names.table_name("bronze", bronze.TABLE),
        names.table_name("silver", silver.TABLE),
    ]
    assert tables[0].startswith(f"{env}_")
    assert sync.export_mac(tmp_path)  # a monitors-as-code project, written offline
