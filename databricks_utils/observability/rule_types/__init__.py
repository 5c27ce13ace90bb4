"""The rule types: one frozen model per ``rule_type``, each in its own module.

A rule type holds its arguments, their checks, its default schedule and the SQL that
enforces it. Adding a type is adding a module with a
[`MonteCarloRule`][databricks_utils.observability.MonteCarloRule] subclass and listing it
in ``RULE_CLASSES`` (and ``AnyRule``).

Example:
    >>> from pydantic import TypeAdapter
    >>> rule = TypeAdapter(AnyRule).validate_python(
    ...     {"rule_type": "volume", "module": "m", "function": "f", "min_rows": 1,
    ...      "table": "orders", "layer": "gold"})
    >>> type(rule).__name__
    'VolumeRule'
"""

from __future__ import annotations

import difflib
from typing import Annotated, Union

from pydantic import Field

from databricks_utils.observability.rule_types.arguments import InvalidArgumentError
from databricks_utils.observability.rule_types.base import (
    SEVERITY_PRIORITY,
    TABLE_PLACEHOLDER,
    MonteCarloRule,
)
from databricks_utils.observability.rule_types.custom_sql import CustomSqlRule
from databricks_utils.observability.rule_types.field_health import FieldHealthRule
from databricks_utils.observability.rule_types.freshness import FreshnessRule
from databricks_utils.observability.rule_types.volume import VolumeRule

RULE_CLASSES: dict[str, type[MonteCarloRule]] = {
    "freshness": FreshnessRule,
    "volume": VolumeRule,
    "custom_sql": CustomSqlRule,
    "field_health": FieldHealthRule,
}
RULE_TYPES = tuple(RULE_CLASSES)

AnyRule = Annotated[
    Union[FreshnessRule, VolumeRule, CustomSqlRule, FieldHealthRule],  # noqa: UP007
    Field(discriminator="rule_type"),
]
"""Any rule, told apart by ``rule_type`` (for pydantic's ``TypeAdapter``)."""


def rule_class(rule_type: object) -> type[MonteCarloRule]:
    """The model of ``rule_type``.

    Raises:
        InvalidArgumentError: for an unknown type, with the nearest known one.
    """
    if isinstance(rule_type, str) and rule_type in RULE_CLASSES:
        return RULE_CLASSES[rule_type]
    hint = ""
    if isinstance(rule_type, str):
        close = difflib.get_close_matches(rule_type.lower(), RULE_TYPES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise InvalidArgumentError(
        "rule_type", f"unknown rule type {rule_type!r}{hint}; valid: {', '.join(RULE_TYPES)}"
    )


__all__ = [
    "RULE_CLASSES",
    "RULE_TYPES",
    "SEVERITY_PRIORITY",
    "TABLE_PLACEHOLDER",
    "AnyRule",
    "CustomSqlRule",
    "FieldHealthRule",
    "FreshnessRule",
    "InvalidArgumentError",
    "MonteCarloRule",
    "VolumeRule",
    "rule_class",
]
