"""Load ``defaults.yaml`` (optional) -> ``<env>.yaml`` -> overrides into an `EnvironmentConfig`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from databricks_utils.config.checks import (
    OVERRIDES_SOURCE,
    environment_key_problems,
    spark_text_problems,
)
from databricks_utils.config.diagnostics import located_problem, validation_problems
from databricks_utils.config.errors import ConfigError, ConfigProblem, display_path
from databricks_utils.config.interpolation import InterpolationError, substitute_all
from databricks_utils.config.keys import KeyPath
from databricks_utils.config.merge import Origin, deep_merge
from databricks_utils.config.models import ENVIRONMENT_NAME, EnvironmentConfig
from databricks_utils.config.yaml_source import YamlDocument, read_yaml

CONFIG_DIR_ENV_VAR = "DATABRICKS_UTILS_CONFIG_DIR"
DEFAULTS_FILE = "defaults.yaml"
EXTENSION_PREFIX = "x-"
DEFAULT_WAREHOUSE_DIR = "spark-warehouse"
_ENV_NAME = re.compile(ENVIRONMENT_NAME)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")


class ConfigLoader:
    """Loads the configuration of one environment from a config directory.

    The directory holds one ``<env>.yaml`` per environment (``local.yaml``, ``dev.yaml``,
    ``prod.yaml``, ...) and, optionally, ``defaults.yaml`` with what they share. Layers
    merge deeply: nested mappings key by key, lists and scalars are replaced.

    Example:
        >>> from databricks_utils.config import ConfigLoader
        >>> cfg = ConfigLoader.load("dev", "config")  # doctest: +SKIP
        >>> cfg.catalog.name  # doctest: +SKIP
        'dev_analytics'
    """

    @classmethod
    def load(
        cls,
        env: str,
        path: str | os.PathLike[str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> EnvironmentConfig:
        """Load, merge, substitute and validate the configuration of ``env``.

        Args:
            env: Environment name; ``<env>.yaml`` must exist in the config directory.
            path: The config directory, or the environment's own file in it
                (``config/local.yaml`` for ``local``). When ``None``:
                ``$DATABRICKS_UTILS_CONFIG_DIR``, else the nearest ``config/`` holding
                ``defaults.yaml`` or ``<env>.yaml`` from the current directory upwards.
            overrides: Nested mapping merged last, e.g. ``{"spark": {"master": "local[2]"}}``.
                Taken literally: no ``${VAR}`` substitution.

        Returns:
            The validated configuration.

        Raises:
            ConfigError: listing every problem found, each with file, line and key.

        Example:
            >>> tuning = {"spark": {"config": {"spark.sql.shuffle.partitions": 8}}}
            >>> cfg = ConfigLoader.load("dev", "config", overrides=tuning)  # doctest: +SKIP
        """
        directory = cls.find_config_dir(path, env=env)
        heading = f"Invalid configuration for environment {env!r} in {display_path(directory)}"
        env_file = cls._env_file(directory, env)
        if overrides is not None and not isinstance(overrides, Mapping):
            problem = ConfigProblem(
                OVERRIDES_SOURCE,
                None,
                f"overrides must be a mapping of keys to values, got {type(overrides).__name__}",
            )
            raise ConfigError([problem], heading=heading)
        defaults, env_doc = _read_defaults(directory), read_yaml(env_file)
        problems = defaults.problems + env_doc.problems
        if problems:  # without both files parsed, validation would only add noise
            raise ConfigError(problems, heading=heading)
        for doc in (defaults, env_doc):
            # Top-level `x-` keys only hold YAML anchors for the rest of the file.
            doc.data = {k: v for k, v in doc.data.items() if not k.startswith(EXTENSION_PREFIX)}
            problems += spark_text_problems(doc)
        problems += environment_key_problems(defaults, env_doc, overrides or {}, env)

        origins: dict[KeyPath, Origin] = {}
        merged: dict[str, Any] = {}
        for doc in (defaults, env_doc):
            merged = deep_merge(
                merged, doc.data, source=doc.source, origins=origins, positions=doc.positions
            )
        # Substituting after the merge: a value overridden by a later layer needs no variable.
        merged = _substitute(merged, origins, problems)
        if overrides:
            merged = deep_merge(
                merged, overrides, source=OVERRIDES_SOURCE, origins=origins, positions={}
            )
        merged["environment"] = env

        try:
            config = EnvironmentConfig.model_validate(merged)
        except ValidationError as exc:
            has_defaults = (directory / DEFAULTS_FILE).is_file()
            files = f"{DEFAULTS_FILE} or {env_file.name}" if has_defaults else env_file.name
            reported = {problem.key for problem in problems}
            problems += [
                problem
                for problem in validation_problems(exc, merged, origins, files)
                if problem.key not in reported  # an unresolved ${VAR} is reported once
            ]
        if problems:
            layer_order = {defaults.source: 0, env_doc.source: 1, OVERRIDES_SOURCE: 2}
            problems.sort(
                key=lambda p: (layer_order.get(p.source or "", 3), p.line or 0, p.column or 0)
            )
            raise ConfigError(problems, heading=heading)
        return _resolve_paths(config, directory.parent)

    @classmethod
    def find_config_dir(
        cls, path: str | os.PathLike[str] | None = None, *, env: str | None = None
    ) -> Path:
        """The config directory ``load`` would use for ``path`` (see there).

        Searching upwards, a ``config/`` qualifies when it holds ``defaults.yaml`` or
        ``<env>.yaml`` (any environment's file when ``env`` is ``None``).

        Raises:
            ConfigError: when the directory does not exist or none is found.

        Example:
            >>> ConfigLoader.find_config_dir("config")  # doctest: +SKIP
            PosixPath('config')
        """
        if path is not None:
            given = Path(path)
            if given.is_file():
                return _directory_of_env_file(given, env)
            return _existing_dir(given, "the path passed to ConfigLoader")
        from_env = os.environ.get(CONFIG_DIR_ENV_VAR)
        if from_env:
            return _existing_dir(Path(from_env), f"${CONFIG_DIR_ENV_VAR}")
        start = Path.cwd()
        for folder in (start, *start.parents):
            candidate = folder / "config"
            if (candidate / DEFAULTS_FILE).is_file() or _holds_environment(candidate, env):
                return candidate
        wanted = _env_file_name(env)
        raise ConfigError(
            [
                ConfigProblem(
                    None,
                    None,
                    f"no config directory found: looked for config/{DEFAULTS_FILE} or "
                    f"config/{wanted} in {start} and its parents; pass path=... or set "
                    f"{CONFIG_DIR_ENV_VAR}",
                )
            ],
            heading="Cannot find the configuration",
        )

    @classmethod
    def environments(cls, path: str | os.PathLike[str] | None = None) -> list[str]:
        """The environments defined in the config directory, sorted.

        Example:
            >>> ConfigLoader.environments("config")  # doctest: +SKIP
            ['dev', 'lab', 'local', 'prod']
        """
        directory = cls.find_config_dir(path)
        return sorted(
            file.stem
            for file in directory.glob("*.yaml")
            if file.name != DEFAULTS_FILE and _ENV_NAME.fullmatch(file.stem)
        )

    @classmethod
    def _env_file(cls, directory: Path, env: str) -> Path:
        shown = display_path(directory)
        problems: list[ConfigProblem] = []
        if not (directory / DEFAULTS_FILE).is_file() and (directory / "defaults.yml").is_file():
            problems.append(
                ConfigProblem(
                    shown, None, f"defaults.yml is not read: rename it to {DEFAULTS_FILE}"
                )
            )
        known = cls.environments(directory)
        listed = ", ".join(known) or "none"
        if not isinstance(env, str) or not _ENV_NAME.fullmatch(env):
            problems.append(
                ConfigProblem(
                    shown,
                    None,
                    f"invalid environment name {env!r}: names are lower-case letters, digits "
                    f"and '_'; environments found: {listed}",
                )
            )
        elif env not in known:
            hint = (
                f" (found {env}.yml: rename it to {env}.yaml)"
                if (directory / f"{env}.yml").is_file()
                else ""
            )
            problems.append(
                ConfigProblem(
                    shown,
                    None,
                    f"unknown environment {env!r}: no {env}.yaml{hint}; "
                    f"environments found: {listed}",
                )
            )
        if problems:
            raise ConfigError(problems, heading=f"Cannot load environment {env!r}")
        return directory / f"{env}.yaml"


def _holds_environment(directory: Path, env: str | None) -> bool:
    if isinstance(env, str):
        return (directory / f"{env}.yaml").is_file()
    return directory.is_dir() and any(
        _ENV_NAME.fullmatch(file.stem) for file in directory.glob("*.yaml")
    )


def _env_file_name(env: object) -> str:
    """``dev.yaml`` for environment ``dev``; ``<env>.yaml`` when none is named."""
    return f"{env}.yaml" if isinstance(env, str) else "<env>.yaml"


def _directory_of_env_file(path: Path, env: str | None) -> Path:
    """The config directory of ``path``, the file of environment ``env`` (``<env>.yaml``)."""
    if isinstance(env, str) and path.name == f"{env}.yaml":
        return path.parent
    wanted = _env_file_name(env)
    raise ConfigError(
        [
            ConfigProblem(
                None,
                None,
                f"config path {path} is a file, not the config directory holding the "
                f"<env>.yaml files; pass the directory ({path.parent}) or the file of the "
                f"environment being loaded ({path.parent / wanted})",
            )
        ],
        heading="Cannot find the configuration",
    )


def _read_defaults(directory: Path) -> YamlDocument:
    """``defaults.yaml``, or an empty layer when the directory has none."""
    path = directory / DEFAULTS_FILE
    return read_yaml(path) if path.is_file() else YamlDocument(display_path(path), {})


def _existing_dir(path: Path, what: str) -> Path:
    if path.is_dir():
        return path
    reason = (
        "is a file, not the config directory holding the <env>.yaml files"
        if path.exists()
        else "does not exist"
    )
    raise ConfigError(
        [ConfigProblem(None, None, f"config directory {path} ({what}) {reason}")],
        heading="Cannot find the configuration",
    )


def _substitute(
    merged: dict[str, Any], origins: Mapping[KeyPath, Origin], problems: list[ConfigProblem]
) -> dict[str, Any]:
    def report(error: InterpolationError) -> None:
        problems.append(located_problem(error.key, str(error), origins))

    substituted: dict[str, Any] = substitute_all(merged, os.environ, report)
    return substituted


def _resolve_paths(config: EnvironmentConfig, project_root: Path) -> EnvironmentConfig:
    """Anchor local paths at the project root, so every working directory sees the same ones."""
    spark = config.spark
    warehouse = spark.warehouse_dir if spark.warehouse_dir is not None else DEFAULT_WAREHOUSE_DIR
    updates = {"warehouse_dir": _anchor(warehouse, project_root)}
    if spark.jars_dir is not None:
        updates["jars_dir"] = _anchor(spark.jars_dir, project_root)
    return config.model_copy(update={"spark": spark.model_copy(update=updates)})


def _anchor(path: str, project_root: Path) -> str:
    if _URI.match(path):  # file:///..., s3://..., dbfs:/... are left as written
        return path
    return str((project_root / Path(path).expanduser()).resolve())
