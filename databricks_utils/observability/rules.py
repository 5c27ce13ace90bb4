"""The ``@monte_carlo_rule`` decorator and the rules it attaches to functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from databricks_utils.observability.rule_types import (
    RULE_TYPES,
    SEVERITY_PRIORITY,
    TABLE_PLACEHOLDER,
    InvalidArgumentError,
    MonteCarloRule,
    rule_class,
)

F = TypeVar("F", bound=Callable[..., Any])

RULES_ATTRIBUTE = "__monte_carlo_rules__"

__all__ = [
    "RULES_ATTRIBUTE",
    "RULE_TYPES",
    "SEVERITY_PRIORITY",
    "TABLE_PLACEHOLDER",
    "MonteCarloRule",
    "monte_carlo_rule",
    "rules_of",
]


def monte_carlo_rule(*, rule_type: str, **arguments: Any) -> Callable[[F], F]:
    """Declare a Monte Carlo monitor next to the function that builds the table.

    The decorator only attaches a [`MonteCarloRule`][..MonteCarloRule] to the function (in
    ``__monte_carlo_rules__``) and returns the function itself: its behaviour, signature,
    name and docstring are unchanged, it is never called, and nothing touches Spark.
    Rules stack: several decorators on one function give several rules.

    Rule types and their arguments (numbers are explicit thresholds the monitor enforces):

    - ``freshness``: ``threshold_hours``; optional ``timestamp_column`` (else the table's
      ``information_schema.tables.last_altered``).
    - ``volume``: ``threshold_change_percent`` (day-over-day change of the row count: of
      the rows dated by ``timestamp_column`` when given, else of the table's row count at
      the end of each day, by Delta time travel), or ``min_rows`` and/or ``max_rows``.
    - ``custom_sql``: ``sql`` returning one number, ``operator`` (``GT``, ``GTE``, ``LT``,
      ``LTE``, ``EQ``, ``NEQ`` or ``>``, ``>=``, ...) and ``threshold``; ``{table}`` in the
      SQL becomes the resolved table name.
    - ``field_health``: ``column`` and one of ``max_null_percent``,
      ``max_duplicate_percent``, or ``min_value`` and/or ``max_value``.

    Common arguments: ``table`` (a name in ``layer``, or ``catalog.schema.table``),
    ``layer`` (without both, taken from a function named ``create_<layer>_<table>`` or
    ``build_<layer>_<table>``), ``severity`` (``critical``/``high``/``medium``/``low``/
    ``info`` → priority P1-P5, default ``medium``), ``name`` (the monitor's name; derived
    from module, function, rule type and table when omitted), ``description``,
    ``audiences``, ``tags`` (a mapping, or names), ``schedule_minutes`` and ``enabled_in``
    (environments, e.g. ``("prod",)``). Arguments given as ``None`` count as not given.

    Raises:
        ValueError: when the decorator runs, naming the function and the argument at fault.

    Example:
        >>> @monte_carlo_rule(rule_type="freshness", threshold_hours=24, severity="high")
        ... def create_silver_customers(spark):
        ...     '''Build silver.customers.'''
        >>> create_silver_customers.__doc__
        'Build silver.customers.'
        >>> rule = rules_of(create_silver_customers)[0]
        >>> rule.priority, rule.layer, rule.table
        ('P2', 'silver', 'customers')
    """
    given = {key: value for key, value in arguments.items() if value is not None}

    def decorate(function: F) -> F:
        if not callable(function) and not isinstance(function, (staticmethod, classmethod)):
            raise TypeError(f"@monte_carlo_rule decorates functions, got {type(function).__name__}")
        module = str(getattr(function, "__module__", None) or "__main__")
        qualname = str(getattr(function, "__qualname__", None) or function.__name__)
        try:
            rule = rule_class(rule_type).from_arguments(given, module, qualname)
        except InvalidArgumentError as exc:
            raise ValueError(
                f"@monte_carlo_rule on {module}.{qualname}: {exc.argument}: {exc}"
            ) from None
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
