"""Checks on single config layers that the schema cannot make."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from databricks_utils.config.errors import ConfigProblem
from databricks_utils.config.keys import format_key, value_at
from databricks_utils.config.models import to_spark_string
from databricks_utils.config.yaml_source import YamlDocument
from databricks_utils.redaction import is_sensitive

SPARK_CONFIG = ("spark", "config")
OVERRIDES_SOURCE = "overrides"


def environment_key_problems(
    defaults: YamlDocument, env_doc: YamlDocument, overrides: Mapping[str, Any], env: str
) -> list[ConfigProblem]:
    """``environment`` comes from the file name: refuse it in defaults, and any other value."""
    problems = []
    if "environment" in defaults.data:
        problems.append(
            ConfigProblem(
                defaults.source,
                "environment",
                "the environment comes from the file name; remove it from defaults.yaml",
                *defaults.positions.get(("environment",), (None, None)),
            )
        )
    layers = [(env_doc.source, env_doc.data, env_doc.positions), (OVERRIDES_SOURCE, overrides, {})]
    for source, data, positions in layers:
        if "environment" in data and data["environment"] != env:
            problems.append(
                ConfigProblem(
                    source,
                    "environment",
                    f"disagrees with the environment being loaded ({env!r}); "
                    f"remove it or set it to {env!r}",
                    *positions.get(("environment",), (None, None)),
                )
            )
    return problems


def spark_text_problems(doc: YamlDocument) -> list[ConfigProblem]:
    """Refuse unquoted ``spark.config`` values that YAML would hand to Spark changed.

    ``0755`` would reach Spark as ``493``, ``1:30`` as ``90``, ``1.10`` as ``1.1`` and
    ``yes`` as ``true``; ``true``, ``4`` and ``0.5`` pass as written.
    """
    problems: list[ConfigProblem] = []
    settings = value_at(doc.data, SPARK_CONFIG)
    if not isinstance(settings, dict):
        return problems
    for path, text in doc.plain_scalars.items():
        if len(path) != 3 or path[:2] != SPARK_CONFIG or path[2] not in settings:
            continue
        converted = to_spark_string(settings[path[2]])
        if converted == text or (isinstance(settings[path[2]], bool) and converted == text.lower()):
            continue
        shown = "this value" if is_sensitive(str(path[2])) else f"{text} as {converted!r}"
        problems.append(
            ConfigProblem(
                doc.source,
                format_key(path),
                f"YAML reads {shown}, not as written; quote it to pass it to Spark unchanged",
                *doc.positions.get(path, (None, None)),
            )
        )
    return problems
