"""What Monte Carlo answers about a namespace update, made readable."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
_ORDER = {"delete": 0, "create": 1, "update": 2}


@dataclass(frozen=True)
class MonitorChange:
    """One change Monte Carlo would make (or made) to a namespace.

    Attributes:
        action: ``create``, ``update`` or ``delete`` (another value if Monte Carlo sends one).
        monitor: The monitor's name, when Monte Carlo's answer identifies it.
        description: Monte Carlo's description of the change.
        diff: Monte Carlo's diff of the monitor's configuration, for updates.
        significant: True when the change resets the monitor's learned behaviour.
    """

    action: str
    monitor: str | None
    description: str
    diff: str | None = None
    significant: bool = False


@dataclass(frozen=True)
class Plan:
    """The changes that make a namespace match the rules in code (a server-side dry run).

    Attributes:
        namespace: The Monte Carlo namespace.
        changes: What applying would change, as Monte Carlo answered.
        warnings: Monte Carlo's warnings.
        monitors: The monitors sent: those of the rules in code, then the kept ones.
        kept: Monitors of modules that failed to import, sent back as they are
            (``allow_partial``).

    Example:
        >>> plan = Plan("c360-dev", (MonitorChange("create", "etl.build.freshness", ""),
        ...                          MonitorChange("delete", "etl.old.volume", "")),
        ...             monitors=("etl.build.freshness",))
        >>> print(plan.render())
        Monte Carlo namespace 'c360-dev': 1 to create, 0 to update, 1 to delete (1 monitor in code)
          ACTION    MONITOR
          - DELETE  etl.old.volume  <- deleted, with its history in Monte Carlo
          + create  etl.build.freshness
    """

    namespace: str
    changes: tuple[MonitorChange, ...]
    warnings: tuple[str, ...] = ()
    monitors: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        """True when applying would change the namespace."""
        return bool(self.changes)

    def names(self, action: str) -> list[str]:
        """The monitors with ``action`` (``create``, ``update`` or ``delete``)."""
        return [c.monitor or c.description for c in self.changes if c.action == action]

    def render(self) -> str:
        """The plan as text: a summary line, then a table of changes, deletes first."""
        count = len(self.monitors) - len(self.kept)
        in_code = f"{count} monitor{'' if count == 1 else 's'} in code"
        if self.kept:
            in_code += f", {len(self.kept)} kept as they are"
        if not self.changes:
            lines = [f"Monte Carlo namespace {self.namespace!r}: no changes ({in_code})"]
        else:
            summary = ", ".join(f"{len(self.names(action))} to {action}" for action in _SYMBOLS)
            lines = [
                f"Monte Carlo namespace {self.namespace!r}: {summary} ({in_code})",
                "  ACTION    MONITOR",
            ]
        for change in sorted(self.changes, key=lambda c: _ORDER.get(c.action, len(_ORDER))):
            lines += _rows(change)
        if self.kept:
            lines.append("  kept as they are (their modules failed to import):")
            lines += [f"    = {name}" for name in self.kept]
        lines += [f"  warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _rows(change: MonitorChange) -> list[str]:
    symbol = _SYMBOLS.get(change.action, "?")
    label = change.monitor or change.description
    if change.action == "delete":
        lines = [f"  {symbol} DELETE  {label}  <- deleted, with its history in Monte Carlo"]
    else:
        lines = [f"  {symbol} {change.action:<7} {label}".rstrip()]
    if (
        change.monitor is not None
        and change.description
        and change.monitor not in (change.description)
    ):
        lines.append(f"      {change.description}")
    if change.diff:
        lines += [f"      {line}" for line in change.diff.strip().splitlines()]
    if change.significant:
        lines.append("      (significant change: the monitor's learned behaviour resets)")
    return lines


@dataclass(frozen=True)
class ApplyResult:
    """What [`MonteCarloSync.apply`][databricks_utils.observability.MonteCarloSync.apply] did.

    Attributes:
        plan: The dry run's plan that was applied.
        changes_applied: True when Monte Carlo applied changes; False when there were none.
    """

    plan: Plan
    changes_applied: bool


def changes_from(
    modifications: Sequence[Mapping[str, Any]] | None, template: Mapping[str, Any]
) -> tuple[MonitorChange, ...]:
    """Monte Carlo's ``resourceModifications`` as changes naming their monitors.

    The monitor is taken from ``resourceAsJson`` when Monte Carlo sends it, else from the
    resource type and index into the template that was sent, else from a monitor name
    the description mentions.
    """
    known = sorted(_names(template), key=len, reverse=True)
    changes = []
    for modification in modifications or []:
        kind = str(modification.get("type") or "")
        action = kind.rsplit(".", 1)[-1].lower() or "change"
        description = str(modification.get("description") or "")
        diff = modification.get("diff_string")
        changes.append(
            MonitorChange(
                action=action,
                monitor=_monitor_of(modification, template, known, description, action),
                description=description,
                diff=str(diff) if diff else None,
                significant=bool(modification.get("is_significant_change")),
            )
        )
    return tuple(changes)


def describe_errors(errors_as_json: str | None, template: Mapping[str, Any]) -> list[str]:
    """Monte Carlo's ``errorsAsJson`` as lines naming the monitor each error concerns.

    Handles ``{"system_error": ...}`` and ``{"validation_errors": ...}`` keyed by monitor
    type and index (or by monitor name); anything else is shown as sent.

    Example:
        >>> template = {"custom_sql": [{"name": "a"}, {"name": "b"}]}
        >>> describe_errors('{"validation_errors": {"custom_sql": {"1": {"sql": ["bad"]}}}}',
        ...                 template)
        ['b: sql: bad']
    """
    if not errors_as_json:
        return []
    try:
        errors = json.loads(errors_as_json)
    except ValueError:
        return [errors_as_json]
    if not isinstance(errors, dict):
        return [_flatten(errors)]
    lines = []
    system = errors.get("system_error")
    if system:
        lines.append(f"system error: {_flatten(system)}")
    validation = errors.get("validation_errors")
    rest = {k: v for k, v in errors.items() if k not in ("system_error", "validation_errors")}
    for block in (validation, rest):
        if isinstance(block, dict):
            lines += _validation_lines(block, template)
        elif block:
            lines.append(_flatten(block))
    return lines


def _validation_lines(errors: Mapping[str, Any], template: Mapping[str, Any]) -> list[str]:
    lines = []
    for key, value in errors.items():
        monitors = template.get(key)
        if isinstance(monitors, list) and isinstance(value, dict):
            for index, detail in value.items():
                monitor = _name_at(monitors, index) or f"{key}[{index}]"
                lines.append(f"{monitor}: {_flatten(detail)}")
        else:  # keyed by monitor name, or a problem of the whole configuration
            lines.append(f"{key}: {_flatten(value)}")
    return lines


def _name_at(monitors: list[Any], index: Any) -> str | None:
    try:
        position = int(index)
    except (TypeError, ValueError):
        return None
    if 0 <= position < len(monitors) and isinstance(monitors[position], dict):
        name = monitors[position].get("name")
        return str(name) if name else None
    return None


def _monitor_of(
    modification: Mapping[str, Any],
    template: Mapping[str, Any],
    known: list[str],
    description: str,
    action: str,
) -> str | None:
    resource = modification.get("resource_as_json")
    if resource:
        try:
            parsed = json.loads(resource)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and parsed.get("name"):
            return str(parsed["name"])
    monitors = template.get(str(modification.get("resource_type") or ""))
    index = modification.get("resource_index")
    if action != "delete" and isinstance(monitors, list) and index is not None:
        name = _name_at(monitors, index)
        if name:
            return name
    text = f"{description}\n{modification.get('diff_string') or ''}"
    return next((name for name in known if name in text), None)


def _names(template: Mapping[str, Any]) -> set[str]:
    return {
        str(monitor["name"])
        for monitors in template.values()
        if isinstance(monitors, list)
        for monitor in monitors
        if isinstance(monitor, dict) and monitor.get("name")
    }


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_flatten(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(_flatten(item) for item in value)
    return str(value)
