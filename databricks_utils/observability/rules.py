"""The ``@monte_carlo_rule`` decorator and the rules it attaches to functions."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from databricks_utils.catalog.identifiers import NamingError, validate_identifier
from databricks_utils.catalog.layers import Layer
from databricks_utils.config.models import ENVIRONMENT_NAME

F = TypeVar("F", bound=Callable[..., Any])

RULES_ATTRIBUTE = "__monte_carlo_rules__"

SEVERITY_PRIORITY = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4", "info": "P5"}
OPERATORS = ("EQ", "NEQ", "GT", "GTE", "LT", "LTE")
_OPERATOR_SYMBOLS = {"=": "EQ", "==": "EQ", "!=": "NEQ", "<>": "NEQ", ">": "GT", ">=": "GTE"}
_OPERATOR_SYMBOLS |= {"<": "LT", "<=": "LTE"}

_COMMON: tuple[str, ...] = ("table", "layer", "severity", "name", "description", "audiences")
_COMMON += ("tags", "schedule_minutes", "enabled_in")
# The arguments each rule type takes besides the common ones, and the ones it requires.
RULE_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "freshness": ("threshold_hours", "timestamp_column"),
    "volume": ("threshold_change_percent", "min_rows", "max_rows", "timestamp_column"),
    "custom_sql": ("sql", "operator", "threshold"),
    "field_health": ("column", "max_null_percent", "max_duplicate_percent"),
}
RULE_ARGUMENTS["field_health"] += ("min_value", "max_value")
RULE_TYPES = tuple(RULE_ARGUMENTS)

MAX_NAME_LENGTH = 255
_MONITOR_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]*")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENVIRONMENT = re.compile(ENVIRONMENT_NAME)
TABLE_PLACEHOLDER = "{table}"


@dataclass(frozen=True)
class MonteCarloRule:
    """One observability rule, as declared by [`monte_carlo_rule`][..monte_carlo_rule].

    Rules are plain values: they hold the decorator's (validated) arguments and where they
    were declared, never the function itself. Thresholds a rule type does not take are
    ``None``.

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

    Example:
        >>> rule = MonteCarloRule("freshness", "etl.customers", "build", table="customers",
        ...                       layer="silver", severity="high", threshold_hours=24)
        >>> rule.priority, rule.source
        ('P2', 'etl.customers.build')
    """

    rule_type: str
    module: str
    function: str
    table: str | None = None
    layer: str | None = None
    severity: str = "medium"
    threshold_hours: float | None = None
    threshold_change_percent: float | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    sql: str | None = None
    operator: str | None = None
    threshold: float | None = None
    column: str | None = None
    max_null_percent: float | None = None
    max_duplicate_percent: float | None = None
    min_value: float | None = None
    max_value: float | None = None
    timestamp_column: str | None = None
    name: str | None = None
    description: str | None = None
    audiences: tuple[str, ...] = ()
    tags: tuple[tuple[str, str | None], ...] = ()
    schedule_minutes: int | None = None
    enabled_in: tuple[str, ...] | None = None

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

    def enabled_for(self, environment: str) -> bool:
        """Whether the rule exists in ``environment`` (see ``enabled_in``).

        Example:
            >>> MonteCarloRule("freshness", "m", "f", enabled_in=("prod",)).enabled_for("dev")
            False
        """
        return self.enabled_in is None or environment in self.enabled_in


def monte_carlo_rule(
    *,
    rule_type: str,
    table: str | None = None,
    layer: str | Layer | None = None,
    severity: str = "medium",
    threshold_hours: float | None = None,
    threshold_change_percent: float | None = None,
    min_rows: int | None = None,
    max_rows: int | None = None,
    sql: str | None = None,
    operator: str | None = None,
    threshold: float | None = None,
    column: str | None = None,
    max_null_percent: float | None = None,
    max_duplicate_percent: float | None = None,
    min_value: float | None = None,
    max_value: float | None = None,
    timestamp_column: str | None = None,
    name: str | None = None,
    description: str | None = None,
    audiences: str | Iterable[str] | None = None,
    tags: Mapping[str, str | None] | Iterable[str] | None = None,
    schedule_minutes: int | None = None,
    enabled_in: str | Iterable[str] | None = None,
) -> Callable[[F], F]:
    """Declare a Monte Carlo monitor next to the function that builds the table.

    The decorator only attaches a [`MonteCarloRule`][..MonteCarloRule] to the function (in
    ``__monte_carlo_rules__``) and returns the function itself: its behaviour, signature,
    name and docstring are unchanged, it is never called, and nothing touches Spark.
    Rules stack: several decorators on one function give several rules.

    Rule types and their arguments (numbers are explicit thresholds the monitor enforces):

    - ``freshness``: ``threshold_hours``; optional ``timestamp_column`` (else the table's
      ``information_schema.tables.last_altered``).
    - ``volume``: ``threshold_change_percent`` (day-over-day change of the row count by
      ``timestamp_column``, required), or ``min_rows`` and/or ``max_rows``.
    - ``custom_sql``: ``sql`` returning one number, ``operator`` (``GT``, ``GTE``, ``LT``,
      ``LTE``, ``EQ``, ``NEQ`` or ``>``, ``>=``, ...) and ``threshold``; ``{table}`` in the
      SQL becomes the resolved table name.
    - ``field_health``: ``column`` and one of ``max_null_percent``,
      ``max_duplicate_percent``, or ``min_value`` and/or ``max_value``.

    Common arguments: ``table`` (a name in ``layer``, or ``catalog.schema.table``),
    ``layer``, ``severity`` (``critical``/``high``/``medium``/``low``/``info`` → priority
    P1-P5), ``name`` (the monitor's name; derived from module, function, rule type and
    table when omitted), ``description``, ``audiences``, ``tags`` (a mapping, or names),
    ``schedule_minutes`` and ``enabled_in`` (environments, e.g. ``("prod",)``).

    Raises:
        ValueError: when the decorator runs, naming the function and the argument at fault.

    Example:
        >>> @monte_carlo_rule(rule_type="freshness", threshold_hours=24, severity="high",
        ...                   table="customers", layer="silver")
        ... def create_silver_customers(spark):
        ...     '''Build silver.customers.'''
        >>> create_silver_customers.__doc__
        'Build silver.customers.'
        >>> rules_of(create_silver_customers)[0].priority
        'P2'
    """
    arguments: dict[str, Any] = {
        "table": table,
        "layer": layer,
        "threshold_hours": threshold_hours,
        "threshold_change_percent": threshold_change_percent,
        "min_rows": min_rows,
        "max_rows": max_rows,
        "sql": sql,
        "operator": operator,
        "threshold": threshold,
        "column": column,
        "max_null_percent": max_null_percent,
        "max_duplicate_percent": max_duplicate_percent,
        "min_value": min_value,
        "max_value": max_value,
        "timestamp_column": timestamp_column,
        "name": name,
        "description": description,
        "audiences": audiences,
        "tags": tags,
        "schedule_minutes": schedule_minutes,
        "enabled_in": enabled_in,
    }
    given = {key: value for key, value in arguments.items() if value is not None}

    def decorate(function: F) -> F:
        if not callable(function) and not isinstance(function, (staticmethod, classmethod)):
            raise TypeError(f"@monte_carlo_rule decorates functions, got {type(function).__name__}")
        module = str(getattr(function, "__module__", None) or "__main__")
        qualname = str(getattr(function, "__qualname__", None) or function.__name__)
        rule = _build_rule(rule_type, severity, given, module, qualname)
        existing: tuple[MonteCarloRule, ...] = getattr(function, RULES_ATTRIBUTE, ())
        try:
            # Decorators apply bottom-up: prepend, so the rules read in source order.
            setattr(function, RULES_ATTRIBUTE, (rule, *existing))
        except (AttributeError, TypeError):
            raise TypeError(
                f"@monte_carlo_rule cannot attach a rule to {module}.{qualname} "
                f"({type(function).__name__} does not take attributes); decorate a function"
            ) from None
        return function

    return decorate


def rules_of(function: object) -> tuple[MonteCarloRule, ...]:
    """The rules attached to ``function`` by ``@monte_carlo_rule``, in source order.

    Example:
        >>> rules_of(print)
        ()
    """
    rules = getattr(function, RULES_ATTRIBUTE, ())
    if isinstance(rules, tuple) and all(isinstance(rule, MonteCarloRule) for rule in rules):
        return rules
    return ()


class _InvalidArgumentError(ValueError):
    def __init__(self, argument: str, message: str):
        super().__init__(message)
        self.argument = argument


def _build_rule(
    rule_type: object, severity: object, given: dict[str, Any], module: str, qualname: str
) -> MonteCarloRule:
    where = f"@monte_carlo_rule on {module}.{qualname}"
    try:
        values = _validated(rule_type, severity, given)
    except _InvalidArgumentError as exc:
        raise ValueError(f"{where}: {exc.argument}: {exc}") from None
    return MonteCarloRule(module=module, function=qualname, **values)


def _validated(rule_type: object, severity: object, given: dict[str, Any]) -> dict[str, Any]:
    kind = _rule_type(rule_type)
    allowed = RULE_ARGUMENTS[kind]
    for argument in given:
        if argument not in allowed and argument not in _COMMON:
            raise _InvalidArgumentError(
                argument,
                f"does not apply to rule_type {kind!r}; {kind} rules take "
                f"{', '.join(allowed)} (besides {', '.join(_COMMON)})",
            )
    values: dict[str, Any] = {"rule_type": kind, "severity": _severity(severity)}
    values |= _table(kind, given)
    values |= _THRESHOLD_CHECKS[kind](given)
    if "timestamp_column" in given:
        values["timestamp_column"] = _column("timestamp_column", given["timestamp_column"])
    values |= _options(given)
    return values


def _rule_type(value: object) -> str:
    if isinstance(value, str) and value in RULE_ARGUMENTS:
        return value
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value.lower(), RULE_TYPES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise _InvalidArgumentError(
        "rule_type", f"unknown rule type {value!r}{hint}; valid: {', '.join(RULE_TYPES)}"
    )


def _severity(value: object) -> str:
    if isinstance(value, str) and value in SEVERITY_PRIORITY:
        return value
    hint = ""
    if isinstance(value, str) and value.lower() in SEVERITY_PRIORITY:
        hint = f" (did you mean {value.lower()!r}?)"
    valid = ", ".join(f"{k} ({v})" for k, v in SEVERITY_PRIORITY.items())
    raise _InvalidArgumentError("severity", f"unknown severity {value!r}{hint}; valid: {valid}")


def _table(kind: str, given: dict[str, Any]) -> dict[str, Any]:
    table, layer = given.get("table"), given.get("layer")
    if table is None:
        if kind != "custom_sql":
            raise _InvalidArgumentError("table", f"{kind} rules need the table they watch")
        if layer is not None:
            raise _InvalidArgumentError("layer", "layer is given without a table")
        return {}
    if not isinstance(table, str) or not table:
        raise _InvalidArgumentError("table", f"must be a non-empty string, got {table!r}")
    parts = table.split(".")
    if len(parts) not in (1, 3):
        raise _InvalidArgumentError(
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
        raise _InvalidArgumentError("table", str(exc)) from None
    if len(parts) == 3:
        if layer is not None:
            raise _InvalidArgumentError(
                "layer",
                f"table {table!r} is fully qualified; give either layer and a table name, "
                "or a fully qualified table without layer",
            )
        return {"table": checked}
    if layer is None:
        valid = ", ".join(member.value for member in Layer)
        raise _InvalidArgumentError(
            "layer",
            f"table {table!r} needs its layer ({valid}), or give the fully qualified "
            "catalog.schema.table",
        )
    try:
        parsed = Layer.parse(layer)
    except NamingError as exc:
        raise _InvalidArgumentError("layer", str(exc)) from None
    return {"table": checked, "layer": parsed.value}


def _number(argument: str, value: object, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _InvalidArgumentError(argument, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise _InvalidArgumentError(argument, f"must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise _InvalidArgumentError(argument, f"must not be negative, got {value!r}")
    return value


def _positive(argument: str, value: object, what: str) -> float:
    number = _number(argument, value, minimum=0)
    if number == 0:
        raise _InvalidArgumentError(argument, f"must be a positive number of {what}, got {value!r}")
    return number


def _count(argument: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _InvalidArgumentError(argument, f"must be a whole number of rows, got {value!r}")
    if value < 0:
        raise _InvalidArgumentError(argument, f"must not be negative, got {value!r}")
    return value


def _percent(argument: str, value: object) -> float:
    number = _number(argument, value, minimum=0)
    if number >= 100:
        raise _InvalidArgumentError(argument, f"must be below 100 (a percentage), got {value!r}")
    return number


def _bounds(low_name: str, high_name: str, low: Any, high: Any) -> None:
    if low is not None and high is not None and low > high:
        raise _InvalidArgumentError(
            low_name, f"{low_name} ({low!r}) is greater than {high_name} ({high!r})"
        )


def _freshness(given: dict[str, Any]) -> dict[str, Any]:
    if "threshold_hours" not in given:
        raise _InvalidArgumentError(
            "threshold_hours", "freshness rules need threshold_hours (e.g. 24)"
        )
    return {"threshold_hours": _positive("threshold_hours", given["threshold_hours"], "hours")}


def _volume(given: dict[str, Any]) -> dict[str, Any]:
    percent = "threshold_change_percent" in given
    absolute = "min_rows" in given or "max_rows" in given
    if percent == absolute:
        raise _InvalidArgumentError(
            "threshold_change_percent",
            "volume rules need either threshold_change_percent or min_rows/max_rows"
            + (", not both" if percent else ""),
        )
    if percent:
        if "timestamp_column" not in given:
            raise _InvalidArgumentError(
                "timestamp_column",
                "threshold_change_percent compares daily row counts and needs the "
                "timestamp_column that dates each row",
            )
        value = _positive("threshold_change_percent", given["threshold_change_percent"], "%")
        return {"threshold_change_percent": value}
    values: dict[str, Any] = {
        key: _count(key, given[key]) for key in ("min_rows", "max_rows") if key in given
    }
    _bounds("min_rows", "max_rows", values.get("min_rows"), values.get("max_rows"))
    return values


def _custom_sql(given: dict[str, Any]) -> dict[str, Any]:
    for required in ("sql", "operator", "threshold"):
        if required not in given:
            raise _InvalidArgumentError(
                required, "custom_sql rules need sql, operator and threshold"
            )
    sql = given["sql"]
    if not isinstance(sql, str) or not sql.strip().rstrip(";").strip():
        raise _InvalidArgumentError("sql", "must be a non-empty SQL query returning one number")
    # Monte Carlo runs the query as given; some warehouses reject a trailing ';'.
    sql = sql.strip().rstrip(";").rstrip()
    if TABLE_PLACEHOLDER in sql and "table" not in given:
        raise _InvalidArgumentError("sql", "uses {table} but the rule names no table")
    return {
        "sql": sql,
        "operator": _operator(given["operator"]),
        "threshold": _number("threshold", given["threshold"]),
    }


def _operator(value: object) -> str:
    if isinstance(value, str):
        candidate = _OPERATOR_SYMBOLS.get(value.strip(), value.strip().upper())
        if candidate in OPERATORS:
            return candidate
    raise _InvalidArgumentError(
        "operator", f"unknown operator {value!r}; valid: {', '.join(OPERATORS)} or =, !=, >, ..."
    )


def _field_health(given: dict[str, Any]) -> dict[str, Any]:
    if "column" not in given:
        raise _InvalidArgumentError("column", "field_health rules need the column they check")
    values: dict[str, Any] = {"column": _column("column", given["column"])}
    kinds = [
        key
        for key in ("max_null_percent", "max_duplicate_percent", "min_value", "max_value")
        if key in given
    ]
    ranges = [key for key in kinds if key in ("min_value", "max_value")]
    checks = len(kinds) - len(ranges) + (1 if ranges else 0)
    if checks != 1:
        raise _InvalidArgumentError(
            kinds[1] if len(kinds) > 1 else "max_null_percent",
            "field_health rules need exactly one check: max_null_percent, "
            "max_duplicate_percent, or min_value/max_value"
            + (f"; got {', '.join(kinds)}" if kinds else ""),
        )
    for key in kinds:
        if key in ("min_value", "max_value"):
            values[key] = _number(key, given[key])
        else:
            values[key] = _percent(key, given[key])
    _bounds("min_value", "max_value", values.get("min_value"), values.get("max_value"))
    return values


_THRESHOLD_CHECKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "freshness": _freshness,
    "volume": _volume,
    "custom_sql": _custom_sql,
    "field_health": _field_health,
}


def _column(argument: str, value: object) -> str:
    if isinstance(value, str) and _COLUMN.fullmatch(value):
        return value
    raise _InvalidArgumentError(
        argument, f"invalid column name {value!r}; column names must match [A-Za-z_][A-Za-z0-9_]*"
    )


def _options(given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = _monitor_name(given["name"])
    if "description" in given:
        description = given["description"]
        if not isinstance(description, str) or not description.strip():
            raise _InvalidArgumentError(
                "description", f"must be a non-empty string, got {description!r}"
            )
        values["description"] = description.strip()
    if "audiences" in given:
        values["audiences"] = _strings("audiences", given["audiences"])
    if "tags" in given:
        values["tags"] = _tags(given["tags"])
    if "schedule_minutes" in given:
        minutes = given["schedule_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise _InvalidArgumentError(
                "schedule_minutes", f"must be a positive whole number of minutes, got {minutes!r}"
            )
        values["schedule_minutes"] = minutes
    if "enabled_in" in given:
        environments = _strings("enabled_in", given["enabled_in"])
        for environment in environments:
            if not _ENVIRONMENT.fullmatch(environment):
                raise _InvalidArgumentError(
                    "enabled_in",
                    f"invalid environment name {environment!r}; names match {ENVIRONMENT_NAME}",
                )
        values["enabled_in"] = environments
    return values


def _monitor_name(value: object) -> str:
    if not isinstance(value, str) or not _MONITOR_NAME.fullmatch(value):
        raise _InvalidArgumentError(
            "name",
            f"invalid monitor name {value!r}; use letters, digits and _ . : - "
            "(not starting with . : or -)",
        )
    if len(value) > MAX_NAME_LENGTH:
        raise _InvalidArgumentError(
            "name", f"is {len(value)} characters long; at most {MAX_NAME_LENGTH}"
        )
    return value


def _strings(argument: str, value: object) -> tuple[str, ...]:
    items: list[object] = [value] if isinstance(value, str) else _as_list(argument, value)
    if not items:
        raise _InvalidArgumentError(argument, "is empty; leave it out instead")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise _InvalidArgumentError(argument, f"must hold non-empty strings, got {item!r}")
    return tuple(str(item) for item in items)


def _as_list(argument: str, value: object) -> list[object]:
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise _InvalidArgumentError(
            argument, f"must be a string or a list of strings, got {value!r}"
        )
    return list(value)


def _tags(value: object) -> tuple[tuple[str, str | None], ...]:
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = [(name, None) for name in _strings("tags", value)]
    if not pairs:
        raise _InvalidArgumentError("tags", "is empty; leave it out instead")
    for tag, tag_value in pairs:
        if not isinstance(tag, str) or not tag.strip():
            raise _InvalidArgumentError("tags", f"tag names must be non-empty strings, got {tag!r}")
        if tag_value is not None and not isinstance(tag_value, str):
            raise _InvalidArgumentError(
                "tags", f"the value of tag {tag!r} must be a string, got {tag_value!r}"
            )
    return tuple((str(tag), tag_value) for tag, tag_value in pairs)
