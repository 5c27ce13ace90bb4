"""``@monte_carlo_rule``: what it attaches, what it leaves alone, and what it refuses."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from databricks_utils.observability import MonteCarloRule, monte_carlo_rule, rules_of
from databricks_utils.observability.rule_types import (
    CustomSqlRule,
    FieldHealthRule,
    FreshnessRule,
    VolumeRule,
)
from tests.mc_project.transformations import customers

WHERE = "@monte_carlo_rule on tests.test_observability_rules.build"


def test_decorator_returns_the_function_unchanged_and_never_calls_it() -> None:
    def original(spark: Any, day: str = "today") -> str:
        """Docs stay."""
        return f"built {day}"

    signature = inspect.signature(original)
    decorated = monte_carlo_rule(
        rule_type="freshness", threshold_hours=24, table="customers", layer="silver"
    )(original)

    assert decorated is original
    assert inspect.signature(decorated) == signature
    assert (decorated.__name__, decorated.__doc__) == ("original", "Docs stay.")
    assert decorated(None, day="monday") == "built monday"


def test_fixture_module_keeps_behaviour_and_rules_read_in_source_order() -> None:
    function = customers.create_silver_customers
    calls_before = list(customers.CALLS)

    rules = rules_of(function)

    assert calls_before == customers.CALLS  # importing and reading rules called nothing
    assert function(None, "tuesday") == "built tuesday"
    assert [rule.rule_type for rule in rules] == ["freshness", "field_health"]
    assert rules[0] == FreshnessRule(
        module="tests.mc_project.transformations.customers",
        function="create_silver_customers",
        table="customers",
        layer="silver",
        severity="high",
        threshold_hours=24,
    )
    assert rules[1].audiences == ("data-eng-oncall",)
    assert isinstance(rules[1], FieldHealthRule)
    assert rules[1].max_null_percent == 5
    assert function.__doc__ == "Build silver.customers from bronze.raw_customers."


@pytest.mark.parametrize(
    ("severity", "priority"),
    [("critical", "P1"), ("high", "P2"), ("medium", "P3"), ("low", "P4"), ("info", "P5")],
)
def test_severity_maps_to_priority(severity: str, priority: str) -> None:
    rule = _rule(
        rule_type="freshness", threshold_hours=1, table="t", layer="gold", severity=severity
    )

    assert rule.priority == priority


def test_arguments_are_normalised() -> None:
    rule = _rule(
        rule_type="custom_sql",
        sql="  SELECT COUNT(*) FROM {table};  ",
        operator=">=",
        threshold=-5,
        table="Orders",
        layer="silver",
        audiences="oncall",
        tags=["pii"],
        enabled_in="prod",
    )

    assert isinstance(rule, CustomSqlRule)
    assert (rule.sql, rule.operator, rule.threshold) == ("SELECT COUNT(*) FROM {table}", "GTE", -5)
    assert (rule.table, rule.audiences, rule.tags) == ("orders", ("oncall",), (("pii", None),))
    assert rule.enabled_in == ("prod",)
    assert rule.enabled_for("prod")
    assert not rule.enabled_for("dev")


def test_a_fully_qualified_table_needs_no_layer() -> None:
    rule = _rule(rule_type="volume", min_rows=1, max_rows=9, table="Main.Sales.Orders")

    assert isinstance(rule, VolumeRule)
    assert (rule.table, rule.layer, rule.is_fully_qualified) == ("main.sales.orders", None, True)


BAD_ARGUMENTS = [
    (
        {"rule_type": "freshnes", "threshold_hours": 1},
        "rule_type: unknown rule type 'freshnes' (did you mean 'freshness'?); "
        "valid: freshness, volume, custom_sql, field_health",
    ),
    (
        {"rule_type": "freshness"},
        "threshold_hours: freshness rules need threshold_hours (e.g. 24)",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": -3},
        "threshold_hours: must not be negative, got -3",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 0},
        "threshold_hours: must be a positive number of hours, got 0",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": "24"},
        "threshold_hours: must be a number, got '24'",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": True},
        "threshold_hours: must be a number, got True",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": float("nan")},
        "threshold_hours: must be a finite number, got nan",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 1, "severity": "urgent"},
        "severity: unknown severity 'urgent'; valid: critical (P1), high (P2), medium (P3), "
        "low (P4), info (P5)",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 1, "severity": "HIGH"},
        "severity: unknown severity 'HIGH' (did you mean 'high'?); valid: critical (P1), "
        "high (P2), medium (P3), low (P4), info (P5)",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 1, "threshold_change_percent": 5},
        "threshold_change_percent: does not apply to rule_type 'freshness'; freshness rules "
        "take threshold_hours, timestamp_column (besides table, layer, severity, name, "
        "description, audiences, tags, schedule_minutes, enabled_in)",
    ),
    (
        {"rule_type": "volume", "threshold_change_percent": 20, "min_rows": 1},
        "threshold_change_percent: volume rules need either threshold_change_percent or "
        "min_rows/max_rows, not both",
    ),
    (
        {"rule_type": "volume"},
        "threshold_change_percent: volume rules need either threshold_change_percent or "
        "min_rows/max_rows",
    ),
    (
        {"rule_type": "volume", "min_rows": 10, "max_rows": 5},
        "min_rows: min_rows (10) is greater than max_rows (5)",
    ),
    (
        {"rule_type": "volume", "min_rows": 1.5},
        "min_rows: must be a whole number of rows, got 1.5",
    ),
    (
        {"rule_type": "custom_sql", "sql": "SELECT 1", "operator": "GT"},
        "threshold: custom_sql rules need sql, operator and threshold",
    ),
    (
        {"rule_type": "custom_sql", "sql": " ; ", "operator": "GT", "threshold": 0},
        "sql: must be a non-empty SQL query returning one number",
    ),
    (
        {"rule_type": "custom_sql", "sql": "SELECT 1", "operator": "~", "threshold": 0},
        "operator: unknown operator '~'; valid: EQ, NEQ, GT, GTE, LT, LTE or =, !=, >, ...",
    ),
    (
        {"rule_type": "field_health", "column": "email"},
        "max_null_percent: field_health rules need exactly one check: max_null_percent, "
        "max_duplicate_percent, or min_value/max_value",
    ),
    (
        {
            "rule_type": "field_health",
            "column": "email",
            "max_null_percent": 1,
            "max_duplicate_percent": 2,
        },
        "max_duplicate_percent: field_health rules need exactly one check: max_null_percent, "
        "max_duplicate_percent, or min_value/max_value; got max_null_percent, "
        "max_duplicate_percent",
    ),
    (
        {"rule_type": "field_health", "column": "e-mail", "max_null_percent": 1},
        "column: invalid column name 'e-mail'; column names must match [A-Za-z_][A-Za-z0-9_]*",
    ),
    (
        {"rule_type": "field_health", "column": "email", "max_null_percent": 100},
        "max_null_percent: must be below 100 (a percentage), got 100",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 1, "schedule_minutes": 0},
        "schedule_minutes: must be a positive whole number of minutes, got 0",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 1, "enabled_in": ["Prod"]},
        "enabled_in: invalid environment name 'Prod'; names match ^[a-z][a-z0-9_]*$",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 1, "name": "has space"},
        "name: invalid monitor name 'has space'; use letters, digits and _ . : - "
        "(not starting with . : or -)",
    ),
    (
        {"rule_type": "freshness", "threshold_hours": 1, "tags": {"team": 7}},
        "tags: the value of tag 'team' must be a string, got 7",
    ),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_ARGUMENTS)
def test_invalid_arguments_raise_naming_function_and_argument(
    arguments: dict[str, Any], message: str
) -> None:
    arguments = {"table": "customers", "layer": "silver", **arguments}

    with pytest.raises(ValueError, match=r"^@monte_carlo_rule on ") as info:
        _rule(**arguments)

    assert str(info.value) == f"{WHERE}: {message}"


@pytest.mark.parametrize(
    ("table", "layer", "message"),
    [
        (
            None,
            None,
            "table: freshness rules need the table they watch, and the name 'build' does not "
            "say it; either name the function create_<layer>_<table> or build_<layer>_<table> "
            "(layers: bronze, silver, gold), or pass table=... and layer=... (or a fully "
            "qualified table='catalog.schema.table')",
        ),
        (
            "customers",
            None,
            "layer: table 'customers' needs its layer (bronze, silver, gold), or give the "
            "fully qualified catalog.schema.table",
        ),
        (
            "customers",
            "platinum",
            "layer: unknown layer 'platinum'; valid layers: bronze, silver, gold",
        ),
        (
            "main.sales.orders",
            "gold",
            "layer: table 'main.sales.orders' is fully qualified; give either layer and a table "
            "name, or a fully qualified table without layer",
        ),
        (
            "sales.orders",
            None,
            "table: 'sales.orders' has 2 parts; give a table name with layer=..., or a fully "
            "qualified catalog.schema.table",
        ),
        (
            "customer-360",
            "gold",
            "table: invalid table name 'customer-360': contains a hyphen (allowed by Unity "
            "Catalog only inside backticks); names must match [a-z_][a-z0-9_]* — try "
            "'customer_360'",
        ),
    ],
)
def test_invalid_tables_raise(table: str | None, layer: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=r"^@monte_carlo_rule on ") as info:
        _rule(rule_type="freshness", threshold_hours=1, table=table, layer=layer)

    assert str(info.value) == f"{WHERE}: {message}"


def test_table_placeholder_needs_a_table() -> None:
    with pytest.raises(ValueError, match=r"sql: uses \{table\} but the rule names no table"):
        _rule(
            rule_type="custom_sql", sql="SELECT COUNT(*) FROM {table}", operator="GT", threshold=0
        )


def test_decorating_something_that_is_not_a_function_is_a_type_error() -> None:
    decorator = monte_carlo_rule(rule_type="freshness", threshold_hours=1, table="t", layer="gold")

    with pytest.raises(TypeError, match="@monte_carlo_rule decorates functions, got int"):
        decorator(42)  # type: ignore[type-var]


def _rule(**arguments: Any) -> MonteCarloRule:
    return _rule_on("build", **arguments)


@pytest.mark.parametrize(
    ("function", "layer", "table"),
    [
        ("create_silver_customers", "silver", "customers"),
        ("build_gold_customer_360", "gold", "customer_360"),
        ("Jobs.create_bronze_raw_events", "bronze", "raw_events"),
    ],
)
def test_table_and_layer_are_inferred_from_the_function_name(
    function: str, layer: str, table: str
) -> None:
    rule = _rule_on(function, rule_type="freshness", threshold_hours=24)

    assert (rule.layer, rule.table, rule.table_inferred) == (layer, table, True)


@pytest.mark.parametrize(
    "function", ["create_customers", "create_platinum_customers", "load_silver_customers"]
)
def test_a_function_name_that_does_not_say_the_table_is_refused(function: str) -> None:
    with pytest.raises(ValueError, match=r"^@monte_carlo_rule on ") as info:
        _rule_on(function, rule_type="volume", min_rows=1)

    assert str(info.value) == (
        f"@monte_carlo_rule on tests.test_observability_rules.{function}: table: volume rules "
        f"need the table they watch, and the name {function!r} does not say it; either name "
        "the function create_<layer>_<table> or build_<layer>_<table> (layers: bronze, silver, "
        "gold), or pass table=... and layer=... (or a fully qualified "
        "table='catalog.schema.table')"
    )


def test_an_explicit_table_or_layer_is_never_overridden_by_the_name() -> None:
    explicit = _rule_on(
        "create_silver_customers", rule_type="volume", min_rows=1, table="orders", layer="gold"
    )

    assert (explicit.layer, explicit.table, explicit.table_inferred) == ("gold", "orders", False)
    with pytest.raises(ValueError, match="table: volume rules need the table they watch"):
        _rule_on("create_silver_customers", rule_type="volume", min_rows=1, layer="gold")


def _rule_on(qualname: str, **arguments: Any) -> MonteCarloRule:
    def build(spark: Any) -> None:
        """A transformation."""

    build.__qualname__ = qualname
    [rule] = rules_of(monte_carlo_rule(**arguments)(build))
    return rule
