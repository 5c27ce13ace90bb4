"""Find the rules declared in a package by importing its modules."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from dataclasses import dataclass
from types import ModuleType

from databricks_utils.observability.errors import RuleDiscoveryError, RuleImportWarning
from databricks_utils.observability.rules import MonteCarloRule, rules_of


@dataclass(frozen=True)
class ImportFailure:
    """A module that could not be imported while looking for rules.

    Attributes:
        module: The module's dotted name.
        error: The exception's type and message, e.g. ``ModuleNotFoundError: No module
            named 'dlt'``.
    """

    module: str
    error: str

    def __str__(self) -> str:
        return f"{self.module}: {self.error}"


@dataclass(frozen=True)
class Discovery:
    """What one walk over a package found."""

    rules: list[MonteCarloRule]
    modules: list[str]
    failures: list[ImportFailure]


def discover_rules(package: str | ModuleType, *, strict: bool = False) -> Discovery:
    """Import ``package`` and every module below it, and collect their rules.

    A module that fails to import (a Databricks-only import such as ``dlt``, say) is
    reported in a [`RuleImportWarning`][databricks_utils.observability.RuleImportWarning]
    and in ``failures``, and skipped. Only functions defined in a module count for it
    (not ones it imports), including methods of classes defined there. Rules come sorted
    by module, function and position.

    Args:
        package: A dotted module name or an imported module (a package or a single module).
        strict: Raise instead of skipping modules that fail to import.

    Raises:
        RuleDiscoveryError: when ``package`` itself cannot be imported, or, with
            ``strict=True``, listing every module that failed.

    Example:
        >>> found = discover_rules("src.transformations")  # doctest: +SKIP
        >>> [rule.source for rule in found.rules]  # doctest: +SKIP
        ['src.transformations.customers.create_silver_customers']
    """
    root = _import_root(package)
    modules: list[ModuleType] = [root]
    failures: list[ImportFailure] = []
    if hasattr(root, "__path__"):
        _walk(root, modules, failures)
    if failures:
        if strict:
            raise RuleDiscoveryError(
                f"{len(failures)} module(s) of {root.__name__} failed to import "
                "(strict=True):\n" + "\n".join(f"  - {failure}" for failure in failures),
                failures,
            )
        for failure in failures:
            warnings.warn(
                f"skipped module {failure.module} while looking for Monte Carlo rules: "
                f"{failure.error}",
                RuleImportWarning,
                stacklevel=3,
            )
    rules: list[MonteCarloRule] = []
    for module in sorted(modules, key=lambda m: m.__name__):
        rules += rules_in_module(module)
    return Discovery(rules, sorted(m.__name__ for m in modules), failures)


def rules_in_module(module: ModuleType) -> list[MonteCarloRule]:
    """The rules on functions defined in ``module`` (and on methods of its classes)."""
    found: dict[int, MonteCarloRule] = {}
    for value in list(vars(module).values()):
        candidates = [value]
        if inspect.isclass(value) and value.__module__ == module.__name__:
            for member in vars(value).values():
                candidates += [member, getattr(member, "__func__", None)]
        for candidate in candidates:
            for rule in rules_of(candidate):
                if rule.module == module.__name__:
                    found.setdefault(id(rule), rule)  # aliases share their rule objects
    ordered = list(found.values())
    positions = {id(rule): index for index, rule in enumerate(ordered)}
    return sorted(ordered, key=lambda rule: (rule.function, positions[id(rule)]))


def _import_root(package: str | ModuleType) -> ModuleType:
    if isinstance(package, ModuleType):
        return package
    if not isinstance(package, str) or not package:
        raise TypeError(f"package must be a module or a dotted module name, got {package!r}")
    try:
        return importlib.import_module(package)
    except Exception as exc:
        failure = ImportFailure(package, _error(exc))
        raise RuleDiscoveryError(
            f"cannot import {package!r} to look for Monte Carlo rules: {failure.error} "
            "(is the project root on sys.path?)",
            [failure],
        ) from exc


def _walk(package: ModuleType, modules: list[ModuleType], failures: list[ImportFailure]) -> None:
    prefix = package.__name__ + "."
    for info in sorted(pkgutil.iter_modules(package.__path__, prefix), key=lambda i: i.name):
        try:
            module = importlib.import_module(info.name)
        except Exception as exc:  # any import-time error is reported, not fatal
            failures.append(ImportFailure(info.name, _error(exc)))
            continue
        modules.append(module)
        if info.ispkg:
            _walk(module, modules, failures)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
