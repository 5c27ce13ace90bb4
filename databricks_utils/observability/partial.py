"""Monitors of modules that failed to import: kept in Monte Carlo exactly as they are.

A namespace is full state, so syncing without a module's rules deletes its monitors.
When a module cannot be imported its rules are unknown; an apply that allows it
(``allow_partial``) sends those monitors' current definitions back unchanged instead.
A monitor belongs to a module when its ``notes`` say it was declared there (every
monitor this library writes says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from databricks_utils.observability.monitors import MONITOR_KIND

_DECLARED_ON = re.compile(r"declared on (\S+)\. Change the @monte_carlo_rule there")
_ANNOTATIONS = ("yaml_line", "yaml_file_name")


def declared_on(definition: Mapping[str, Any]) -> str | None:
    """``module.function`` a monitor definition was declared on, from its ``notes``.

    Example:
        >>> declared_on({"notes": "Managed as code by databricks-utils: freshness rule on "
        ...              "c:s.t declared on etl.orders.build. Change the @monte_carlo_rule "
        ...              "there, not here."})
        'etl.orders.build'
    """
    match = _DECLARED_ON.search(str(definition.get("notes") or ""))
    return match.group(1) if match else None


def keep_failed_modules(
    template: Mapping[str, Any], current: Mapping[str, Any], failed_modules: Iterable[str]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``template`` plus the monitors of ``current`` declared in ``failed_modules``.

    A monitor whose name the template already has is not kept (the code's one wins).

    Returns:
        The template to send, and the names of the monitors kept, in namespace order.

    Example:
        >>> notes = "declared on etl.broken.build. Change the @monte_carlo_rule there"
        >>> current = {"custom_sql": [{"name": "old", "notes": notes},
        ...                           {"name": "gone", "notes": "declared on etl.ok.f. "
        ...                            "Change the @monte_carlo_rule there"}]}
        >>> keep_failed_modules({"custom_sql": []}, current, ["etl.broken"])
        ({'custom_sql': [{'name': 'old', 'notes': 'declared on etl.broken.build. Change the @monte_carlo_rule there'}]}, ('old',))
    """  # noqa: E501
    prefixes = tuple(f"{module}." for module in failed_modules)
    in_code = {
        str(monitor.get("name"))
        for monitors in template.values()
        if isinstance(monitors, list)
        for monitor in monitors
        if isinstance(monitor, dict)
    }
    merged: dict[str, Any] = {kind: list(monitors) for kind, monitors in template.items()}
    merged.setdefault(MONITOR_KIND, [])
    kept: list[str] = []
    for kind, monitors in current.items():
        for monitor in monitors if isinstance(monitors, list) else []:
            if not isinstance(monitor, dict) or monitor.get("name") in in_code:
                continue
            source = declared_on(monitor)
            if source is not None and source.startswith(prefixes):
                merged.setdefault(kind, []).append(_without_annotations(monitor))
                kept.append(str(monitor.get("name")))
    return merged, tuple(kept)


def _without_annotations(value: Any) -> Any:
    """``value`` without the ``montecarlo`` CLI's ``yaml_line``/``yaml_file_name`` keys."""
    if isinstance(value, dict):
        return {k: _without_annotations(v) for k, v in value.items() if k not in _ANNOTATIONS}
    if isinstance(value, list):
        return [_without_annotations(item) for item in value]
    return value
