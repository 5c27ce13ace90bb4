"""Rules resolved for one environment: names, tables and Monte Carlo MaC definitions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from databricks_utils.catalog.helper import CatalogHelper
from databricks_utils.observability.rules import MonteCarloRule
from databricks_utils.observability.sql import ResolvedTable, check_for

if TYPE_CHECKING:
    from databricks_utils.config.models import EnvironmentConfig

MONITOR_KIND = "custom_sql"


class MonitorNameCollisionError(ValueError):
    """Two rules would get the same Monte Carlo monitor name in one namespace."""


@dataclass(frozen=True)
class Monitor:
    """One rule as the Monte Carlo monitor it becomes in one environment.

    Attributes:
        name: The monitor's MaC ``name``, its identity within the namespace.
        rule: The rule it comes from.
        table: The table it watches, resolved for the environment (``None`` for a
            ``custom_sql`` rule without table).
        definition: The MaC ``custom_sql`` entry, as sent to Monte Carlo.
    """

    name: str
    rule: MonteCarloRule
    table: ResolvedTable | None
    definition: dict[str, Any]

    @property
    def kind(self) -> str:
        """The MaC monitor type: always ``custom_sql`` (see the rule type mapping)."""
        return MONITOR_KIND

    @property
    def file_name(self) -> str:
        """The exported MaC file holding the monitor: one per source module."""
        return f"{self.rule.module}.yml"


def monitor_name(rule: MonteCarloRule) -> str:
    """The monitor name of ``rule``: ``name=`` if given, else derived from the declaration.

    The derived name joins module, function, rule type, the table as written (layer and
    table, or the fully qualified name) and, for ``field_health``, the column, so it is
    the same in every environment and stays stable until one of them changes.

    Example:
        >>> from databricks_utils.observability.rule_types import FreshnessRule
        >>> monitor_name(FreshnessRule(module="etl.customers", function="build",
        ...                            table="customers", layer="silver", threshold_hours=1))
        'etl.customers.build.freshness.silver.customers'
    """
    if rule.name is not None:
        return rule.name
    parts = [rule.module, rule.function, rule.rule_type]
    if rule.layer is not None:
        parts.append(rule.layer)
    if rule.table is not None:
        parts.append(rule.table)
    parts += rule.name_parts()
    return ".".join(parts).replace("<locals>", "locals")


def resolve_table(rule: MonteCarloRule, config: EnvironmentConfig | None) -> ResolvedTable | None:
    """The table ``rule`` watches, named for ``config``'s environment through `CatalogHelper`.

    Raises:
        ValueError: for a table given by layer when there is no config to resolve it.
    """
    if rule.table is None:
        return None
    if rule.layer is None:  # fully qualified
        catalog, schema, table = rule.table.split(".")
        return ResolvedTable(catalog, schema, table)
    if config is None:
        raise ValueError(
            f"rule {rule.rule_type} of {rule.source} names table {rule.table!r} in layer "
            f"{rule.layer!r}: resolving it needs the environment's configuration "
            "(MonteCarloSync(config=...)); or name the table fully qualified"
        )
    catalog, schema, table = CatalogHelper(config).table_name(rule.layer, rule.table).split(".")
    return ResolvedTable(catalog, schema, table)


def check_names(rules: Iterable[MonteCarloRule]) -> None:
    """Refuse rules that would share a monitor name in some environment.

    Raises:
        MonitorNameCollisionError: listing each colliding pair and how to fix it.
    """
    by_name: dict[str, list[MonteCarloRule]] = {}
    for rule in rules:
        by_name.setdefault(monitor_name(rule), []).append(rule)
    clashes = []
    for name, group in sorted(by_name.items()):
        for index, first in enumerate(group):
            for second in group[index + 1 :]:
                if _may_coexist(first, second):
                    clashes.append(f"  - {name!r}: {_describe(first)} and {_describe(second)}")
    if clashes:
        raise MonitorNameCollisionError(
            "Monte Carlo monitor names must be unique within a namespace; these rules "
            "collide (give one of them name=...):\n" + "\n".join(clashes)
        )


def build_monitors(
    rules: Iterable[MonteCarloRule], config: EnvironmentConfig | None
) -> list[Monitor]:
    """The monitors of ``rules`` in ``config``'s environment, in export order.

    Rules not enabled in the environment are left out. The order is by exported file
    (source module), then name, which is also the order the ``montecarlo`` CLI reads the
    exported files in.

    Raises:
        MonitorNameCollisionError: when two rules would share a name.
        ValueError: when a table cannot be resolved.
    """
    selected = list(rules)
    check_names(selected)
    if config is not None:
        selected = [rule for rule in selected if rule.enabled_for(config.environment)]
    elif any(rule.enabled_in is not None for rule in selected):
        raise ValueError(
            "rules with enabled_in need the environment's configuration to know the "
            "environment (MonteCarloSync(config=...))"
        )
    monitors = []
    for rule in selected:
        table = resolve_table(rule, config)
        name = monitor_name(rule)
        monitors.append(Monitor(name, rule, table, _definition(name, rule, table)))
    return sorted(monitors, key=lambda monitor: (monitor.file_name, monitor.name))


def config_template(monitors: Iterable[Monitor]) -> dict[str, Any]:
    """The namespace's MaC configuration: what the ``montecarlo:`` blocks merge into.

    Example:
        >>> config_template([])
        {'custom_sql': []}
    """
    return {MONITOR_KIND: [monitor.definition for monitor in monitors]}


def _definition(name: str, rule: MonteCarloRule, table: ResolvedTable | None) -> dict[str, Any]:
    check = check_for(rule, table)
    minutes = rule.schedule
    definition: dict[str, Any] = {
        "name": name,
        "description": _description(rule, check.description),
        "notes": _notes(rule, table),
        "sql": check.sql,
        "alert_conditions": [
            {"type": "threshold", "operator": check.operator, "threshold_value": check.threshold}
        ],
        "schedule": {"type": "fixed", "interval_minutes": minutes},
        "priority": rule.priority,
    }
    if rule.audiences:
        definition["audiences"] = list(rule.audiences)
    if rule.tags:
        definition["tags"] = [
            {"name": tag} if value is None else {"name": tag, "value": value}
            for tag, value in rule.tags
        ]
    return definition


def _description(rule: MonteCarloRule, generated: str) -> str:
    description = rule.description or generated
    if rule.table_inferred:
        function = rule.function.rsplit(".", 1)[-1]
        description += (
            f" (table {rule.layer}.{rule.table} inferred from the function name {function})"
        )
    return description


def _notes(rule: MonteCarloRule, table: ResolvedTable | None) -> str:
    target = f" on {table.mac_id}" if table is not None else ""
    return (
        f"Managed as code by databricks-utils: {rule.rule_type} rule{target} declared on "
        f"{rule.source}. Change the @monte_carlo_rule there, not here."
    )


def _may_coexist(first: MonteCarloRule, second: MonteCarloRule) -> bool:
    if first.enabled_in is None or second.enabled_in is None:
        return True
    return bool(set(first.enabled_in) & set(second.enabled_in))


def _describe(rule: MonteCarloRule) -> str:
    target = ""
    if rule.table is not None:
        target = f" on {rule.layer}.{rule.table}" if rule.layer else f" on {rule.table}"
    return f"{rule.rule_type} rule{target} of {rule.source}"
