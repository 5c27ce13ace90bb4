"""Load ``defaults.yaml`` -> ``<env>.yaml`` -> overrides into an `EnvironmentConfig`."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from databricks_utils.config.errors import ConfigError, ConfigProblem, display_path
from databricks_utils.config.interpolation import InterpolationError, substitute_all
from databricks_utils.config.keys import KeyPath, format_key
from databricks_utils.config.merge import Origin, deep_merge
from databricks_utils.config.models import EnvironmentConfig
from databricks_utils.config.yaml_source import YamlDocument, read_yaml

CONFIG_DIR_ENV_VAR = "DATABRICKS_UTILS_CONFIG_DIR"
DEFAULTS_FILE = "defaults.yaml"
OVERRIDES_SOURCE = "overrides"
EXTENSION_PREFIX = "x-"
DEFAULT_WAREHOUSE_DIR = "spark-warehouse"
_ENV_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ConfigLoader:
    """Loads the configuration of one environment from a config directory.

    The directory holds ``defaults.yaml`` and one ``<env>.yaml`` per environment
    (``local.yaml``, ``dev.yaml``, ``prod.yaml``, ...). Layers merge deeply: nested
    mappings key by key, lists and scalars are replaced.

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
            path: The config directory. When ``None``: ``$DATABRICKS_UTILS_CONFIG_DIR``,
                else the nearest ``config/`` holding ``defaults.yaml`` from the current
                directory upwards.
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
        directory = cls.find_config_dir(path)
        heading = f"Invalid configuration for environment {env!r} in {display_path(directory)}"
        env_file = cls._env_file(directory, env)
        defaults_file = directory / DEFAULTS_FILE
        documents = [read_yaml(defaults_file), read_yaml(env_file)]
        problems = [problem for doc in documents for problem in doc.problems]
        if problems:  # without both files parsed, validation would only add noise
            raise ConfigError(problems, heading=heading)
        for doc in documents:
            # Top-level `x-` keys only hold YAML anchors for the rest of the file.
            doc.data = {k: v for k, v in doc.data.items() if not k.startswith(EXTENSION_PREFIX)}
            problems += _substitute(doc)
        problems += _environment_key_problems(documents, overrides, env)

        origins: dict[KeyPath, Origin] = {}
        merged: dict[str, Any] = {}
        for doc in documents:
            merged = deep_merge(
                merged, doc.data, source=doc.source, origins=origins, positions=doc.positions
            )
        if overrides:
            merged = deep_merge(
                merged, overrides, source=OVERRIDES_SOURCE, origins=origins, positions={}
            )
        merged["environment"] = env

        try:
            config = EnvironmentConfig.model_validate(merged)
        except ValidationError as exc:
            files = f"{DEFAULTS_FILE} or {env_file.name}"
            reported = {problem.key for problem in problems}
            for error in _errors(exc):
                problem = _describe(error, merged, origins, files)
                if problem.key not in reported:  # an unresolved ${VAR} is reported once
                    problems.append(problem)
        if problems:
            problems.sort(key=lambda p: (p.source or "", p.line or 0, p.column or 0))
            raise ConfigError(problems, heading=heading)
        return _resolve_paths(config, directory.parent)

    @classmethod
    def find_config_dir(cls, path: str | os.PathLike[str] | None = None) -> Path:
        """The config directory ``load`` would use for ``path`` (see there).

        Raises:
            ConfigError: when the directory does not exist or none is found.

        Example:
            >>> ConfigLoader.find_config_dir("config")  # doctest: +SKIP
            PosixPath('config')
        """
        if path is not None:
            return _existing_dir(Path(path), "the path passed to ConfigLoader")
        from_env = os.environ.get(CONFIG_DIR_ENV_VAR)
        if from_env:
            return _existing_dir(Path(from_env), f"${CONFIG_DIR_ENV_VAR}")
        start = Path.cwd()
        for folder in (start, *start.parents):
            candidate = folder / "config"
            if (candidate / DEFAULTS_FILE).is_file():
                return candidate
        raise ConfigError(
            [
                ConfigProblem(
                    None,
                    None,
                    f"no config directory found: looked for config/{DEFAULTS_FILE} in {start} "
                    f"and its parents; pass path=... or set {CONFIG_DIR_ENV_VAR}",
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
        if not (directory / DEFAULTS_FILE).is_file():
            hint = (
                " (found defaults.yml: rename it)" if (directory / "defaults.yml").is_file() else ""
            )
            problems.append(ConfigProblem(shown, None, f"missing {DEFAULTS_FILE}{hint}"))
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


def _existing_dir(path: Path, what: str) -> Path:
    if path.is_dir():
        return path
    reason = (
        "is a file, not the config directory holding defaults.yaml"
        if path.exists()
        else "does not exist"
    )
    raise ConfigError(
        [ConfigProblem(None, None, f"config directory {path} ({what}) {reason}")],
        heading="Cannot find the configuration",
    )


def _substitute(doc: YamlDocument) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []

    def report(error: InterpolationError) -> None:
        line, column = doc.positions.get(error.key, (None, None))
        problems.append(ConfigProblem(doc.source, format_key(error.key), str(error), line, column))

    doc.data = substitute_all(doc.data, os.environ, report)
    return problems


def _environment_key_problems(
    documents: list[YamlDocument], overrides: Mapping[str, Any] | None, env: str
) -> list[ConfigProblem]:
    defaults, env_doc = documents
    problems = []
    if "environment" in defaults.data:
        line, column = defaults.positions.get(("environment",), (None, None))
        problems.append(
            ConfigProblem(
                defaults.source,
                "environment",
                "the environment comes from the file name; remove it from defaults.yaml",
                line,
                column,
            )
        )
    for source, data, positions in (
        (env_doc.source, env_doc.data, env_doc.positions),
        (OVERRIDES_SOURCE, overrides or {}, {}),
    ):
        if "environment" in data and data["environment"] != env:
            line, column = positions.get(("environment",), (None, None))
            problems.append(
                ConfigProblem(
                    source,
                    "environment",
                    f"disagrees with the environment being loaded ({env!r}); "
                    f"remove it or set it to {env!r}",
                    line,
                    column,
                )
            )
    return problems


def _errors(exc: ValidationError) -> list[ErrorDetails]:
    # include_input=False: inputs (secrets among them) must never reach a message.
    return exc.errors(include_input=False, include_url=False, include_context=True)


def _describe(
    error: ErrorDetails, merged: Mapping[str, Any], origins: Mapping[KeyPath, Origin], files: str
) -> ConfigProblem:
    loc: KeyPath = tuple(error["loc"])
    origin = _nearest_origin(loc, origins)
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        message = _unknown_key_message(loc)
    elif kind == "missing":
        message = f"required key is missing; set it in {files}"
    elif kind == "string_type":
        message += _quote_hint(_value_at(merged, loc))
    return ConfigProblem(
        origin.source if origin else None,
        format_key(loc) or None,
        message,
        origin.line if origin else None,
        origin.column if origin else None,
    )


def _nearest_origin(loc: KeyPath, origins: Mapping[KeyPath, Origin]) -> Origin | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in origins:
            return origins[loc[:end]]
    return None


def _unknown_key_message(loc: KeyPath) -> str:
    model = _model_at(loc[:-1])
    if model is None:
        return "unknown key"
    valid = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}valid keys here: {', '.join(valid)}"


def _model_at(loc: KeyPath) -> type[BaseModel] | None:
    model: type[BaseModel] = EnvironmentConfig
    for part in loc:
        fields = {field.alias or name: field for name, field in model.model_fields.items()}
        field = fields.get(str(part))
        if field is None:
            return None
        nested = _model_in(field.annotation)
        if nested is None:
            return None
        model = nested
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _value_at(data: Any, loc: KeyPath) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _quote_hint(value: Any) -> str:
    if isinstance(value, bool):
        kind = "a boolean (yes/no/on/off/true/false)"
    elif isinstance(value, (int, float)):
        kind = "a number"
    elif isinstance(value, (dt.date, dt.datetime)):
        kind = "a date"
    else:
        return ""
    return f"; YAML read this value as {kind}: quote it to keep it as text"


def _resolve_paths(config: EnvironmentConfig, project_root: Path) -> EnvironmentConfig:
    """Anchor local paths at the project root, so every working directory sees the same ones."""
    spark = config.spark
    warehouse = spark.warehouse_dir if spark.warehouse_dir is not None else DEFAULT_WAREHOUSE_DIR
    updates = {"warehouse_dir": str((project_root / warehouse).resolve())}
    if spark.jars_dir is not None:
        updates["jars_dir"] = str((project_root / spark.jars_dir).resolve())
    return config.model_copy(update={"spark": spark.model_copy(update=updates)})
