"""Checks shared by the rule types: each turns one decorator argument into a field value."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from databricks_utils.config.models import ENVIRONMENT_NAME

MAX_NAME_LENGTH = 255
OPERATORS = ("EQ", "NEQ", "GT", "GTE", "LT", "LTE")
_OPERATOR_SYMBOLS = {"=": "EQ", "==": "EQ", "!=": "NEQ", "<>": "NEQ", ">": "GT", ">=": "GTE"}
_OPERATOR_SYMBOLS |= {"<": "LT", "<=": "LTE"}
_MONITOR_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]*")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENVIRONMENT = re.compile(ENVIRONMENT_NAME)


class InvalidArgumentError(ValueError):
    """One decorator argument is invalid; ``argument`` names it."""

    def __init__(self, argument: str, message: str):
        super().__init__(message)
        self.argument = argument


def number(argument: str, value: object, *, minimum: float | None = None) -> float:
    """A finite number (not a bool), at least ``minimum`` when given."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError(argument, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InvalidArgumentError(argument, f"must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(argument, f"must not be negative, got {value!r}")
    return value


def positive(argument: str, value: object, what: str) -> float:
    """A number above zero, counted in ``what`` (for the message)."""
    checked = number(argument, value, minimum=0)
    if checked == 0:
        raise InvalidArgumentError(argument, f"must be a positive number of {what}, got {value!r}")
    return checked


def row_count(argument: str, value: object) -> int:
    """A whole, non-negative number of rows."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(argument, f"must be a whole number of rows, got {value!r}")
    if value < 0:
        raise InvalidArgumentError(argument, f"must not be negative, got {value!r}")
    return value


def percent(argument: str, value: object) -> float:
    """A percentage in 0 (inclusive) .. 100 (exclusive)."""
    checked = number(argument, value, minimum=0)
    if checked >= 100:
        raise InvalidArgumentError(argument, f"must be below 100 (a percentage), got {value!r}")
    return checked


def ordered(low_name: str, high_name: str, low: Any, high: Any) -> None:
    """Refuse a lower bound above the upper one."""
    if low is not None and high is not None and low > high:
        raise InvalidArgumentError(
            low_name, f"{low_name} ({low!r}) is greater than {high_name} ({high!r})"
        )


def column(argument: str, value: object) -> str:
    """A plain column name."""
    if isinstance(value, str) and _COLUMN.fullmatch(value):
        return value
    raise InvalidArgumentError(
        argument, f"invalid column name {value!r}; column names must match [A-Za-z_][A-Za-z0-9_]*"
    )


def operator(value: object) -> str:
    """A Monte Carlo comparison operator, from its name or its symbol."""
    if isinstance(value, str):
        candidate = _OPERATOR_SYMBOLS.get(value.strip(), value.strip().upper())
        if candidate in OPERATORS:
            return candidate
    raise InvalidArgumentError(
        "operator", f"unknown operator {value!r}; valid: {', '.join(OPERATORS)} or =, !=, >, ..."
    )


def options(given: Mapping[str, Any]) -> dict[str, Any]:
    """The optional arguments every rule type takes, checked."""
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = monitor_name(given["name"])
    if "description" in given:
        description = given["description"]
        if not isinstance(description, str) or not description.strip():
            raise InvalidArgumentError(
                "description", f"must be a non-empty string, got {description!r}"
            )
        values["description"] = description.strip()
    if "audiences" in given:
        values["audiences"] = strings("audiences", given["audiences"])
    if "tags" in given:
        values["tags"] = tags(given["tags"])
    if "schedule_minutes" in given:
        minutes = given["schedule_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise InvalidArgumentError(
                "schedule_minutes", f"must be a positive whole number of minutes, got {minutes!r}"
            )
        values["schedule_minutes"] = minutes
    if "enabled_in" in given:
        environments = strings("enabled_in", given["enabled_in"])
        for environment in environments:
            if not _ENVIRONMENT.fullmatch(environment):
                raise InvalidArgumentError(
                    "enabled_in",
                    f"invalid environment name {environment!r}; names match {ENVIRONMENT_NAME}",
                )
        values["enabled_in"] = environments
    return values


def monitor_name(value: object) -> str:
    """A Monte Carlo monitor name."""
    if not isinstance(value, str) or not _MONITOR_NAME.fullmatch(value):
        raise InvalidArgumentError(
            "name",
            f"invalid monitor name {value!r}; use letters, digits and _ . : - "
            "(not starting with . : or -)",
        )
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidArgumentError(
            "name", f"is {len(value)} characters long; at most {MAX_NAME_LENGTH}"
        )
    return value


def strings(argument: str, value: object) -> tuple[str, ...]:
    """One string, or an iterable of non-empty strings, as a tuple."""
    items: list[object] = [value] if isinstance(value, str) else _as_list(argument, value)
    if not items:
        raise InvalidArgumentError(argument, "is empty; leave it out instead")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidArgumentError(argument, f"must hold non-empty strings, got {item!r}")
    return tuple(str(item) for item in items)


def tags(value: object) -> tuple[tuple[str, str | None], ...]:
    """Tags from a mapping (name to value) or from names, as ``(name, value)`` pairs."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = [(name, None) for name in strings("tags", value)]
    if not pairs:
        raise InvalidArgumentError("tags", "is empty; leave it out instead")
    for tag, tag_value in pairs:
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidArgumentError("tags", f"tag names must be non-empty strings, got {tag!r}")
        if tag_value is not None and not isinstance(tag_value, str):
            raise InvalidArgumentError(
                "tags", f"the value of tag {tag!r} must be a string, got {tag_value!r}"
            )
    return tuple((str(tag), tag_value) for tag, tag_value in pairs)


def _as_list(argument: str, value: object) -> list[object]:
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise InvalidArgumentError(
            argument, f"must be a string or a list of strings, got {value!r}"
        )
    return list(value)
