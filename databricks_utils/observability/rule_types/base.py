"""What every rule type shares: where it was declared, the table it watches, its options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from databricks_utils.catalog.identifiers import NamingError, validate_identifier
from databricks_utils.catalog.layers import Layer
from databricks_utils.observability.rule_types.arguments import InvalidArgumentError, options
from databricks_utils.observability.sql import Check, ResolvedTable

SEVERITY_PRIORITY = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4", "info": "P5"}
TABLE_PLACEHOLDER = "{table}"
COMMON_ARGUMENTS: tuple[str, ...] = ("table", "layer", "severity", "name", "description")
COMMON_ARGUMENTS += ("audiences", "tags", "schedule_minutes", "enabled_in")

R = TypeVar("R", bound="MonteCarloRule")

_VERBS = ("create", "build")


class MonteCarloRule(BaseModel):
    """One observability rule, as declared by ``@monte_carlo_rule``: the base of every type.

    Rules are plain frozen values: they hold the decorator's (validated) arguments and
    where they were declared, never the function itself. Each rule type is a subclass
    (``FreshnessRule``, ``VolumeRule``, ``CustomSqlRule``, ``FieldHealthRule``) adding
    its own arguments, their checks, its default schedule and the SQL that enforces it.

    Attributes:
        rule_type: ``freshness``, ``volume``, ``custom_sql`` or ``field_health``.
        module: Module of the decorated function, e.g. ``src.transformations.customers``.
        function: Qualified name of the decorated function.
        table: The table as written: a name in ``layer``, or ``catalog.schema.table``.
        layer: ``bronze``, ``silver`` or ``gold`` for a table named without catalog.
        severity: ``critical``, ``high``, ``medium``, ``low`` or ``info``.
        audiences: Monte Carlo notification audience names.
        tags: ``(name, value)`` pairs; value ``None`` for a tag without value.
        enabled_in: Environments the rule exists in; ``None`` for all.
        table_inferred: True when ``table`` and ``layer`` were taken from the function's
            name (``create_<layer>_<table>`` / ``build_<layer>_<table>``).

    Example:
        >>> from databricks_utils.observability.rule_types import FreshnessRule
        >>> rule = FreshnessRule(module="etl.customers", function="build", table="customers",
        ...                      layer="silver", severity="high", threshold_hours=24)
        >>> rule.priority, rule.source
        ('P2', 'etl.customers.build')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    ARGUMENTS: ClassVar[tuple[str, ...]] = ()
    """The arguments this rule type takes besides the common ones."""
    DEFAULT_SCHEDULE_MINUTES: ClassVar[int] = 720
    """How often Monte Carlo runs the monitor unless ``schedule_minutes`` says otherwise."""
    NEEDS_TABLE: ClassVar[bool] = True
    """Whether the rule must name the table it watches."""

    rule_type: str
    module: str
    function: str
    table: str | None = None
    layer: str | None = None
    severity: str = "medium"
    name: str | None = None
    description: str | None = None
    audiences: tuple[str, ...] = ()
    tags: tuple[tuple[str, str | None], ...] = ()
    schedule_minutes: int | None = None
    enabled_in: tuple[str, ...] | None = None
    table_inferred: bool = False

    @property
    def source(self) -> str:
        """``module.function`` of the decorated function."""
        return f"{self.module}.{self.function}"

    @property
    def priority(self) -> str:
        """The Monte Carlo priority of ``severity``: ``critical`` is P1 ... ``info`` is P5."""
        return SEVERITY_PRIORITY[self.severity]

    @property
    def is_fully_qualified(self) -> bool:
        """True when ``table`` names its catalog and schema (``catalog.schema.table``)."""
        return self.table is not None and "." in self.table

    @property
    def schedule(self) -> int:
        """Minutes between runs of the monitor: ``schedule_minutes``, else the type's default."""
        return self.schedule_minutes or self.DEFAULT_SCHEDULE_MINUTES

    def enabled_for(self, environment: str) -> bool:
        """Whether the rule exists in ``environment`` (see ``enabled_in``).

        Example:
            >>> from databricks_utils.observability.rule_types import FreshnessRule
            >>> rule = FreshnessRule(module="m", function="f", threshold_hours=1,
            ...                      table="t", layer="gold", enabled_in=("prod",))
            >>> rule.enabled_for("dev")
            False
        """
        return self.enabled_in is None or environment in self.enabled_in

    def name_parts(self) -> tuple[str, ...]:
        """What the derived monitor name adds after the table (a column, say)."""
        return ()

    def check(self, table: ResolvedTable | None) -> Check:
        """The query returning one number, and when that number raises an alert.

        Raises:
            ValueError: without a table, for a rule type that watches one.
        """
        if table is None:
            raise ValueError(f"{self.rule_type} rule of {self.source} needs its table resolved")
        return self.table_check(table)

    def table_check(self, table: ResolvedTable) -> Check:
        """[`check`][..check] on ``table``, the rule's table resolved for an environment."""
        raise NotImplementedError

    @classmethod
    def from_arguments(cls: type[R], given: Mapping[str, Any], module: str, function: str) -> R:
        """The rule of decorator arguments ``given`` (``None`` values left out).

        Raises:
            InvalidArgumentError: naming the first argument at fault.
        """
        for argument in given:
            if argument not in cls.ARGUMENTS and argument not in COMMON_ARGUMENTS:
                kind = cls.model_fields["rule_type"].default
                raise InvalidArgumentError(
                    argument,
                    f"does not apply to rule_type {kind!r}; {kind} rules take "
                    f"{', '.join(cls.ARGUMENTS)} (besides {', '.join(COMMON_ARGUMENTS)})",
                )
        values: dict[str, Any] = {"severity": severity(given.get("severity", "medium"))}
        values |= cls.table_arguments(given, function)
        values |= cls.validate_arguments(given)
        values |= options(given)
        return cls(module=module, function=function, **values)

    @classmethod
    def validate_arguments(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """This type's own arguments, checked (the common ones are checked elsewhere)."""
        return {}

    @classmethod
    def table_arguments(cls, given: Mapping[str, Any], function: str = "") -> dict[str, Any]:
        """``table`` and ``layer``, checked against each other and the naming rules.

        A rule type that needs a table and is given neither takes both from the function's
        name when it reads ``create_<layer>_<table>`` or ``build_<layer>_<table>``.
        """
        table, layer = given.get("table"), given.get("layer")
        kind = cls.model_fields["rule_type"].default
        if table is None:
            if cls.NEEDS_TABLE and layer is None:
                inferred = table_from_function_name(function)
                if inferred is not None:
                    return {"table": inferred[1], "layer": inferred[0], "table_inferred": True}
            if cls.NEEDS_TABLE:
                name = function.rsplit(".", 1)[-1] or "the function"
                layers = ", ".join(member.value for member in Layer)
                raise InvalidArgumentError(
                    "table",
                    f"{kind} rules need the table they watch, and the name {name!r} does not "
                    f"say it; either name the function create_<layer>_<table> or "
                    f"build_<layer>_<table> (layers: {layers}), or pass table=... and "
                    "layer=... (or a fully qualified table='catalog.schema.table')",
                )
            if layer is not None:
                raise InvalidArgumentError("layer", "layer is given without a table")
            return {}
        if not isinstance(table, str) or not table:
            raise InvalidArgumentError("table", f"must be a non-empty string, got {table!r}")
        parts = table.split(".")
        if len(parts) not in (1, 3):
            raise InvalidArgumentError(
                "table",
                f"{table!r} has {len(parts)} parts; give a table name with layer=..., "
                "or a fully qualified catalog.schema.table",
            )
        kinds = ("table",) if len(parts) == 1 else ("catalog", "schema", "table")
        try:
            checked = ".".join(
                validate_identifier(part, kind=part_kind)  # type: ignore[arg-type]
                for part, part_kind in zip(parts, kinds, strict=True)
            )
        except NamingError as exc:
            raise InvalidArgumentError("table", str(exc)) from None
        if len(parts) == 3:
            if layer is not None:
                raise InvalidArgumentError(
                    "layer",
                    f"table {table!r} is fully qualified; give either layer and a table name, "
                    "or a fully qualified table without layer",
                )
            return {"table": checked}
        if layer is None:
            valid = ", ".join(member.value for member in Layer)
            raise InvalidArgumentError(
                "layer",
                f"table {table!r} needs its layer ({valid}), or give the fully qualified "
                "catalog.schema.table",
            )
        try:
            parsed = Layer.parse(layer)
        except NamingError as exc:
            raise InvalidArgumentError("layer", str(exc)) from None
        return {"table": checked, "layer": parsed.value}


def table_from_function_name(function: str) -> tuple[str, str] | None:
    """``(layer, table)`` from a name ``create_<layer>_<table>`` / ``build_<layer>_<table>``.

    Only the last part of a qualified name counts (``Checks.build_gold_orders``), and only
    layers of [`Layer`][databricks_utils.catalog.Layer] and valid table names.

    Example:
        >>> table_from_function_name("create_silver_customers")
        ('silver', 'customers')
        >>> table_from_function_name("Jobs.build_gold_customer_360")
        ('gold', 'customer_360')
        >>> table_from_function_name("create_customers") is None
        True
    """
    name = function.rsplit(".", 1)[-1]
    for verb in _VERBS:
        for member in Layer:
            prefix = f"{verb}_{member.value}_"
            if name.startswith(prefix) and len(name) > len(prefix):
                try:
                    table = validate_identifier(name[len(prefix) :], kind="table")
                except NamingError:
                    return None
                return member.value, table
    return None


def severity(value: object) -> str:
    """A severity name (see ``SEVERITY_PRIORITY``)."""
    if isinstance(value, str) and value in SEVERITY_PRIORITY:
        return value
    hint = ""
    if isinstance(value, str) and value.lower() in SEVERITY_PRIORITY:
        hint = f" (did you mean {value.lower()!r}?)"
    valid = ", ".join(f"{k} ({v})" for k, v in SEVERITY_PRIORITY.items())
    raise InvalidArgumentError("severity", f"unknown severity {value!r}{hint}; valid: {valid}")
