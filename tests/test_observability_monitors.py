"""Discovery, monitor names, table resolution, namespaces and the exported MaC project."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from databricks_utils.config import ConfigError, ConfigLoader, EnvironmentConfig
from databricks_utils.observability import (
    MacExportError,
    MonitorNameCollisionError,
    MonteCarloError,
    MonteCarloSync,
    RuleDiscoveryError,
    RuleImportWarning,
    SyncRefusedError,
    discover_rules,
)
from tests.conftest import MINIMAL_DEFAULTS, run_python

PACKAGE = "tests.mc_project.transformations"
PARTIAL = "tests.mc_project.pipelines"
BROKEN = f"{PARTIAL}.events"

NAMES = {
    "email": f"{PACKAGE}.customers.create_silver_customers.field_health.silver.customers.email",
    "customers": f"{PACKAGE}.customers.create_silver_customers.freshness.silver.customers",
    "c360": f"{PACKAGE}.gold.customer_360.create_gold_customer_360.volume.gold.customer_360",
    "floor": "customer_360_row_floor",
    "negative": f"{PACKAGE}.orders.create_silver_orders.custom_sql.silver.orders",
    "feed": f"{PACKAGE}.orders.create_silver_orders.freshness.shared_raw.erp.orders_feed",
}


def config(env: str, **extra: Any) -> EnvironmentConfig:
    return EnvironmentConfig.model_validate(
        {
            "environment": env,
            "catalog": {"name": f"{env}_analytics", "schema": "customer_360"},
            **extra,
        }
    )


def synced(env: str, **extra: Any) -> MonteCarloSync:
    sync = MonteCarloSync(config=config(env, **extra))
    sync.register_rules_from_module(PACKAGE)
    return sync


def test_discovery_finds_rules_in_package_and_subpackages() -> None:
    found = discover_rules(PACKAGE)

    assert [(rule.source, rule.rule_type) for rule in found.rules] == [
        (f"{PACKAGE}.customers.create_silver_customers", "freshness"),
        (f"{PACKAGE}.customers.create_silver_customers", "field_health"),
        (f"{PACKAGE}.gold.customer_360.Checks.row_floor", "volume"),
        (f"{PACKAGE}.gold.customer_360.create_gold_customer_360", "volume"),
        (f"{PACKAGE}.orders.create_silver_orders", "custom_sql"),
        (f"{PACKAGE}.orders.create_silver_orders", "freshness"),
    ]
    assert found.failures == []
    assert f"{PACKAGE}.gold.customer_360" in found.modules


def test_discovery_skips_a_module_that_fails_to_import_with_a_warning() -> None:
    with pytest.warns(RuleImportWarning) as warned:
        found = discover_rules(PARTIAL)

    assert [rule.source for rule in found.rules] == [f"{PARTIAL}.sessions.create_silver_sessions"]
    assert [str(failure) for failure in found.failures] == [
        f"{BROKEN}: ModuleNotFoundError: No module named 'dlt'"
    ]
    assert [str(w.message) for w in warned] == [
        f"skipped module {BROKEN} while looking for Monte Carlo rules: "
        "ModuleNotFoundError: No module named 'dlt'"
    ]
    assert BROKEN not in found.modules


def test_strict_discovery_fails_listing_the_broken_module() -> None:
    with pytest.raises(RuleDiscoveryError) as info:
        discover_rules(PARTIAL, strict=True)

    assert str(info.value) == (
        f"1 module(s) of {PARTIAL} failed to import (strict=True):\n"
        f"  - {BROKEN}: ModuleNotFoundError: No module named 'dlt'"
    )
    assert [failure.module for failure in info.value.failures] == [BROKEN]


def test_a_package_that_does_not_import_is_an_error() -> None:
    with pytest.raises(RuleDiscoveryError, match=r"cannot import 'tests\.no_such_pkg' to look"):
        discover_rules("tests.no_such_pkg")


def test_registering_twice_adds_nothing_and_reports_failures_once() -> None:
    sync = synced("dev")
    with pytest.warns(RuleImportWarning):
        sync.register_rules_from_module(PARTIAL)
    with pytest.warns(RuleImportWarning):
        again = sync.register_rules_from_module(PARTIAL)

    assert len(again) == 1
    assert len(sync.rules) == 7
    assert [failure.module for failure in sync.import_failures] == [BROKEN]


def test_monitor_names_and_tables_resolve_per_environment() -> None:
    dev = {m.name: m for m in synced("dev").monitors()}
    prod = {m.name: m for m in synced("prod").monitors()}
    dev_tables = {name: m.table.mac_id for name, m in dev.items() if m.table is not None}
    prod_tables = {name: m.table.mac_id for name, m in prod.items() if m.table is not None}

    assert sorted(dev) == sorted(n for key, n in NAMES.items() if key != "floor")
    assert sorted(prod) == sorted(NAMES.values())  # the floor is enabled in prod only
    assert dev_tables[NAMES["customers"]] == "dev_analytics:customer_360_silver.customers"
    assert prod_tables[NAMES["customers"]] == "prod_analytics:customer_360_silver.customers"
    assert prod_tables[NAMES["c360"]] == "prod_analytics:customer_360_gold.customer_360"
    # A fully qualified table is the same everywhere.
    assert dev_tables[NAMES["feed"]] == prod_tables[NAMES["feed"]] == "shared_raw:erp.orders_feed"
    assert dev[NAMES["negative"]].definition["sql"] == (
        "SELECT COUNT(*) FROM `dev_analytics`.`customer_360_silver`.`orders` WHERE amount < 0"
    )
    assert "dev_analytics:customer_360_silver.customers" in dev[NAMES["email"]].definition["notes"]


def test_table_resolution_follows_the_naming_convention() -> None:
    sync = synced(
        "dev",
        catalog={
            "name": "analytics",
            "schema": "c360",
            "naming": "{env}_{catalog}.{layer}.{schema}_{table}",
        },
    )
    tables = {m.name: m.table.mac_id for m in sync.monitors() if m.table is not None}

    assert tables[NAMES["customers"]] == "dev_analytics:silver.c360_customers"
    assert tables[NAMES["feed"]] == "shared_raw:erp.orders_feed"


def test_full_definition_of_a_monitor() -> None:
    [monitor] = [m for m in synced("prod").monitors() if m.name == NAMES["c360"]]

    assert monitor.definition == {
        "name": NAMES["c360"],
        "description": "prod_analytics.customer_360_gold.customer_360: alert when yesterday's "
        "row count (by updated_at) differs from the day before by more than 20%",
        "notes": "Managed as code by databricks-utils: volume rule on "
        "prod_analytics:customer_360_gold.customer_360 declared on "
        f"{PACKAGE}.gold.customer_360.create_gold_customer_360. Change the @monte_carlo_rule "
        "there, not here.",
        "sql": "SELECT COALESCE(ABS(COUNT_IF(CAST(`updated_at` AS DATE) = DATE_SUB(CURRENT_DATE(), "
        "1)) - COUNT_IF(CAST(`updated_at` AS DATE) = DATE_SUB(CURRENT_DATE(), 2))) * 100.0 / "
        "NULLIF(COUNT_IF(CAST(`updated_at` AS DATE) = DATE_SUB(CURRENT_DATE(), 2)), 0), CASE "
        "WHEN COUNT_IF(CAST(`updated_at` AS DATE) = DATE_SUB(CURRENT_DATE(), 1)) = 0 THEN 0 "
        "ELSE 1000000 END) AS row_count_change_percent\n"
        "FROM `prod_analytics`.`customer_360_gold`.`customer_360`\n"
        "WHERE CAST(`updated_at` AS DATE) BETWEEN DATE_SUB(CURRENT_DATE(), 2) AND "
        "DATE_SUB(CURRENT_DATE(), 1)",
        "alert_conditions": [{"type": "threshold", "operator": "GT", "threshold_value": 20}],
        "schedule": {"type": "fixed", "interval_minutes": 1440},
        "priority": "P3",
        "tags": [{"name": "team", "value": "crm"}, {"name": "tier", "value": "gold"}],
    }


@pytest.mark.parametrize(
    ("extra", "namespace"),
    [
        ({}, "customer_360-dev"),
        ({"project": "crm-platform"}, "crm-platform-dev"),
        ({"project": "crm", "monte_carlo": {"namespace": "crm-monitors"}}, "crm-monitors"),
    ],
)
def test_namespace_defaults_to_project_and_environment(
    extra: dict[str, Any], namespace: str
) -> None:
    assert MonteCarloSync(config=config("dev", **extra)).namespace == namespace


def test_explicit_namespace_wins_and_is_validated() -> None:
    assert MonteCarloSync(config=config("dev"), namespace="x-y").namespace == "x-y"
    with pytest.raises(ValueError, match="invalid Monte Carlo namespace 'has space'"):
        MonteCarloSync(namespace="has space")
    with pytest.raises(MonteCarloError, match="no Monte Carlo namespace: pass namespace="):
        _ = MonteCarloSync().namespace


def test_tables_given_by_layer_need_a_config() -> None:
    sync = MonteCarloSync(namespace="ns")
    sync.register_rules_from_module(PACKAGE)

    with pytest.raises(ValueError, match="rules with enabled_in need the environment's config"):
        sync.monitors()


# -- name stability and collisions, on packages written for the test ---------------------


FRESHNESS = """
from databricks_utils.observability import monte_carlo_rule

@monte_carlo_rule(rule_type="freshness", threshold_hours=24, table="customers", layer="silver")
def build_customers(spark):
    pass
"""


def test_names_do_not_move_when_other_rules_are_added(write_package: Any) -> None:
    package = write_package({"customers.py": FRESHNESS})
    before = _names(package, "dev")
    more = textwrap.dedent(
        """
        from databricks_utils.observability import monte_carlo_rule

        @monte_carlo_rule(rule_type="volume", min_rows=1, table="accounts", layer="gold")
        def build_accounts(spark):
            pass
        """
    )
    write_package({"customers.py": more + FRESHNESS}, name=package)

    after_dev, after_prod = _names(package, "dev"), _names(package, "prod")

    assert before == [f"{package}.customers.build_customers.freshness.silver.customers"]
    assert after_dev == [f"{package}.customers.build_accounts.volume.gold.accounts", *before]
    assert after_prod == after_dev


def test_colliding_names_are_an_error_listing_both(write_package: Any) -> None:
    package = write_package(
        {
            "a.py": """
            from databricks_utils.observability import monte_carlo_rule

            @monte_carlo_rule(rule_type="volume", min_rows=1, table="t", layer="gold", name="dup")
            @monte_carlo_rule(rule_type="volume", max_rows=9, table="t", layer="gold")
            @monte_carlo_rule(rule_type="volume", min_rows=2, table="t", layer="gold")
            def build(spark):
                pass
            """,
            "b.py": """
            from databricks_utils.observability import monte_carlo_rule

            @monte_carlo_rule(rule_type="freshness", threshold_hours=1, table="u", layer="gold",
                              name="dup", enabled_in=["prod"])
            @monte_carlo_rule(rule_type="freshness", threshold_hours=2, table="v", layer="gold",
                              name="only_prod", enabled_in=["prod"])
            def build(spark):
                pass

            @monte_carlo_rule(rule_type="freshness", threshold_hours=1, table="v", layer="gold",
                              name="only_prod", enabled_in=["dev"])
            def other(spark):
                pass
            """,
        }
    )

    with pytest.raises(MonitorNameCollisionError) as info:
        _names(package, "dev")

    assert str(info.value) == (
        "Monte Carlo monitor names must be unique within a namespace; these rules collide "
        "(give one of them name=...):\n"
        f"  - 'dup': volume rule on gold.t of {package}.a.build and freshness rule on gold.u of "
        f"{package}.b.build\n"
        f"  - '{package}.a.build.volume.gold.t': volume rule on gold.t of {package}.a.build and "
        f"volume rule on gold.t of {package}.a.build"
    )


def test_a_module_whose_rule_is_invalid_is_reported_with_the_error(write_package: Any) -> None:
    package = write_package(
        {
            "bad.py": """
            from databricks_utils.observability import monte_carlo_rule

            @monte_carlo_rule(rule_type="freshness", threshold_hours=-1, table="t", layer="gold")
            def build(spark):
                pass
            """,
            "good.py": FRESHNESS,
        }
    )

    with pytest.warns(RuleImportWarning):
        found = discover_rules(package)

    assert [str(f) for f in found.failures] == [
        f"{package}.bad: ValueError: @monte_carlo_rule on {package}.bad.build: "
        "threshold_hours: must not be negative, got -1"
    ]
    assert [rule.source for rule in found.rules] == [f"{package}.good.build_customers"]


def _names(package: str, env: str) -> list[str]:
    sync = MonteCarloSync(config=config(env))
    sync.register_rules_from_module(package)
    return [monitor.name for monitor in sync.monitors()]


# -- export ------------------------------------------------------------------------------


def test_export_writes_a_project_whose_files_hold_exactly_the_template(tmp_path: Path) -> None:
    sync = synced("prod", monte_carlo={"warehouse": "uc-prod", "domain": "crm"})

    files = sync.export_mac(tmp_path / "mc")

    assert [path.relative_to(tmp_path / "mc").as_posix() for path in files] == [
        "montecarlo.yml",
        f"montecarlo/{PACKAGE}.customers.yml",
        f"montecarlo/{PACKAGE}.gold.customer_360.yml",
        f"montecarlo/{PACKAGE}.orders.yml",
    ]
    assert yaml.safe_load(files[0].read_text()) == {
        "version": 1,
        "namespace": "customer_360-prod",
        "include_file_patterns": ["montecarlo/*.yml"],
        "default_resource": "uc-prod",
        "default_domain": "crm",
    }
    merged = [
        m
        for path in files[1:]
        for m in yaml.safe_load(path.read_text())["montecarlo"]["custom_sql"]
    ]
    assert {"custom_sql": merged} == sync.config_template()
    assert (
        files[1]
        .read_text()
        .startswith(
            "# Generated by databricks-utils for environment 'prod' from the @monte_carlo_rule "
            f"decorators in {PACKAGE}.customers.\n"
        )
    )
    assert "    sql: |-\n      SELECT COALESCE(" in files[1].read_text()


def test_export_removes_files_of_an_earlier_export_and_refuses_foreign_files(
    tmp_path: Path,
) -> None:
    target = tmp_path / "mc"
    synced("dev").export_mac(target)
    stale = target / "montecarlo" / f"{PACKAGE}.retired.yml"
    stale.write_text("# Generated by databricks-utils earlier\nmontecarlo: {custom_sql: []}\n")

    synced("dev").export_mac(target)

    assert not stale.exists()
    hand_written = target / "montecarlo" / "mine.yaml"
    hand_written.write_text("montecarlo: {custom_sql: []}\n")
    with pytest.raises(MacExportError, match=r"it holds files databricks-utils did not write \("):
        synced("dev").export_mac(target)


def test_export_without_monitors_writes_an_explicitly_empty_namespace(tmp_path: Path) -> None:
    sync = MonteCarloSync(config=config("dev"))

    with pytest.raises(SyncRefusedError) as info:
        sync.export_mac(tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert str(info.value) == (
        "nothing to export: no monitors for environment 'dev' (0 rule(s) found); applying an "
        "empty project deletes every monitor of namespace 'customer_360-dev'. Check the "
        "package and enabled_in, or allow an empty export (--allow-empty)"
    )
    files = sync.export_mac(tmp_path, allow_empty=True)

    assert files[1].name == "no_monitors.yml"
    assert yaml.safe_load(files[1].read_text()) == {"montecarlo": {"custom_sql": []}}
    assert "deletes every monitor of namespace 'customer_360-dev'" in files[1].read_text()


def test_decorating_and_exporting_work_without_pycarlo(tmp_path: Path) -> None:
    result = run_python(
        f"""
        import sys, json
        sys.modules["pycarlo"] = None  # import pycarlo now raises ImportError
        from databricks_utils.config import ConfigError, ConfigLoader, EnvironmentConfig
        from databricks_utils.observability import MonteCarloSync, MonteCarloError
        cfg = EnvironmentConfig(environment="dev", catalog={{"name": "c", "schema": "s"}},
                                monte_carlo={{"api_id": "i", "api_token": "t"}})
        sync = MonteCarloSync(config=cfg)
        import warnings; warnings.simplefilter("ignore")
        sync.register_rules_from_module("{PACKAGE}")
        print(len(sync.export_mac({str(tmp_path)!r})))
        try:
            sync.plan()
        except MonteCarloError as exc:
            print(exc)
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "4",
        "syncing rules to Monte Carlo needs pycarlo: install the montecarlo extra: "
        "pip install 'databricks-utils[montecarlo]'",
    ]


def test_config_template_is_json_serialisable_and_stable() -> None:
    first = json.dumps(synced("dev").config_template())
    second = json.dumps(synced("dev").config_template())

    assert first == second


def test_project_key_in_the_config_files_names_the_namespace(write_config: Any) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS + "project: crm-platform\n", dev="")

    assert MonteCarloSync(config=ConfigLoader.load("dev", path)).namespace == "crm-platform-dev"


def test_an_invalid_project_name_is_a_config_error(write_config: Any) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS + "project: CRM Platform\n", dev="")

    with pytest.raises(ConfigError, match=r"defaults.yaml:9:1: project: String should match"):
        ConfigLoader.load("dev", path)
