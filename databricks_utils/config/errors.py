"""Errors raised while loading configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found while loading a configuration.

    Attributes:
        source: The file the problem comes from (or ``"overrides"``), ``None`` when it
            concerns no single file (a required key set nowhere, say).
        key: Dotted key path, e.g. ``spark.config."spark.sql.shuffle.partitions"``.
        message: What is wrong and what would be valid. Never contains a secret.
        line: 1-based line in ``source`` where there is one.
        column: 1-based column in ``source`` where there is one.
    """

    source: str | None
    key: str | None
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.source or ""
        if where and self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [p for p in (where, self.key) if p]
        return ": ".join([*parts, self.message])


class ConfigError(ValueError):
    """Every problem of one configuration load, reported together.

    ``str(error)`` lists each problem on its own line as ``file:line: key: message``;
    ``error.problems`` holds them as [`ConfigProblem`][databricks_utils.config.ConfigProblem].

    Example:
        >>> from databricks_utils.config import ConfigError, ConfigProblem
        >>> err = ConfigError([ConfigProblem("dev.yaml", "spark.app_nmae", "unknown key", line=3)])
        >>> print(err)
        Invalid configuration (1 problem):
          - dev.yaml:3: spark.app_nmae: unknown key
    """

    def __init__(self, problems: list[ConfigProblem], *, heading: str = "Invalid configuration"):
        self.problems = list(problems)
        self.heading = heading
        count = len(self.problems)
        lines = [f"{heading} ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild_config_error, (self.problems, self.heading)


def _rebuild_config_error(problems: list[ConfigProblem], heading: str) -> ConfigError:
    return ConfigError(problems, heading=heading)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)
