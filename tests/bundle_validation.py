"""Offline validation of a Databricks Asset Bundle: the pinned JSON schema, then what it misses.

The schema (``tests/data/databricks-bundle-jsonschema.json``, the output of
``databricks bundle schema`` at databricks/cli 7bbe2852) uses ``\\p{L}`` patterns that the
standard ``re`` module cannot compile, so ``pattern`` is checked with the ``regex`` module.
The schema accepts any top-level key, any ``mode`` string and every cross-reference; the
semantic checks below cover those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import regex
import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).parent / "data" / "databricks-bundle-jsonschema.json"
ALLOWED_TOP_LEVEL = {
    "artifacts",
    "bundle",
    "experimental",
    "include",
    "permissions",
    "presets",
    "python",
    "resources",
    "run_as",
    "scripts",
    "sync",
    "targets",
    "variables",
    "workspace",
}
MODES = {"development", "production"}
TASK_TYPES = {
    "condition_task",
    "dbt_task",
    "for_each_task",
    "notebook_task",
    "pipeline_task",
    "python_wheel_task",
    "run_job_task",
    "spark_jar_task",
    "spark_python_task",
    "spark_submit_task",
    "sql_task",
}
COMPUTE_KEYS = {"environment_key", "existing_cluster_id", "job_cluster_key", "new_cluster"}
KNOWN_SUBSTITUTIONS = {
    "bundle.name",
    "bundle.target",
    "workspace.current_user.short_name",
    "workspace.current_user.userName",
    "workspace.file_path",
    "workspace.root_path",
}
SUBSTITUTION = re.compile(r"\$\{([^}]*)\}")
JOB_PARAMETER_REFERENCE = re.compile(r"\{\{\s*job\.parameters\.([^}\s]+)\s*\}\}")


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def bundle_validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validators.extend(Draft202012Validator, {"pattern": _pattern})
    return cls(schema)


def _deepest(error: ValidationError) -> ValidationError:
    """``oneOf`` hides the real cause; report the deepest error that is not a type mismatch."""
    best, stack = error, [error]
    while stack:
        current = stack.pop()
        stack.extend(current.context or [])
        if current.validator not in ("type", "pattern", "oneOf") and len(
            current.absolute_path
        ) >= len(best.absolute_path):
            best = current
    return best


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a bundle file must be a mapping")
    return data


def bundle_files(root: Path) -> list[Path]:
    """``databricks.yml`` and every file its ``include`` globs match (each must match one)."""
    files = [root / "databricks.yml"]
    for pattern in load_yaml(files[0]).get("include", []):
        matched = sorted(root.glob(pattern))
        if not matched:
            raise ValueError(f"include {pattern!r} matches no file")
        files += matched
    return files


def schema_problems(document: Mapping[str, Any], name: str) -> list[str]:
    """Where ``document`` breaks the bundle schema, plus unknown top-level keys."""
    unknown = sorted(set(document) - ALLOWED_TOP_LEVEL)
    problems = [f"{name}: unknown top-level key {key!r}" for key in unknown]
    for error in bundle_validator().iter_errors(document):
        cause = _deepest(error)
        path = "/".join(str(part) for part in cause.absolute_path)
        problems.append(f"{name}: {path}: {cause.message}")
    return problems


def merged_bundle(root: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    """All files' top-level sections merged, and which file declared each job."""
    merged: dict[str, Any] = {}
    job_files: dict[str, Path] = {}
    for path in bundle_files(root):
        document = load_yaml(path)
        for key, value in document.items():
            if isinstance(value, dict):
                section = merged.setdefault(key, {})
                for sub, item in value.items():
                    if isinstance(item, dict) and isinstance(section.get(sub), dict):
                        section[sub] = {**section[sub], **item}
                    else:
                        section[sub] = item
            else:
                merged[key] = value
        for job in document.get("resources", {}).get("jobs", {}):
            job_files[job] = path
    return merged, job_files


def semantic_problems(root: Path) -> list[str]:
    """What the schema lets through: targets and modes, references, task graph, paths."""
    bundle, job_files = merged_bundle(root)
    problems = _target_problems(bundle)
    problems += _reference_problems(root, bundle)
    artifact_outputs = {
        (root / spec.get("path", ".")).resolve() / "dist"
        for spec in bundle.get("artifacts", {}).values()
        if spec.get("type") == "whl"
    }
    for name, job in bundle.get("resources", {}).get("jobs", {}).items():
        problems += [
            f"job {name}: {problem}"
            for problem in job_problems(job, job_files[name].parent, artifact_outputs)
        ]
    return problems


def _target_problems(bundle: Mapping[str, Any]) -> list[str]:
    targets = bundle.get("targets", {})
    problems = []
    defaults = [name for name, target in targets.items() if target.get("default")]
    if len(defaults) != 1:
        problems.append(f"exactly one target must be the default, found {defaults}")
    for name, target in targets.items():
        mode = target.get("mode")
        if mode is not None and mode not in MODES:
            problems.append(f"target {name}: mode {mode!r} is not one of {sorted(MODES)}")
        presets = target.get("presets", {})
        if mode == "development" and presets.get("trigger_pause_status") == "UNPAUSED":
            problems.append(f"target {name}: development mode cannot unpause triggers")
        if mode == "production" and not target.get("workspace", {}).get("root_path"):
            problems.append(f"target {name}: production mode needs workspace.root_path")
        if not str(target.get("workspace", {}).get("host", "")).startswith("https://"):
            problems.append(f"target {name}: workspace.host must be an https URL")
    return problems


def _reference_problems(root: Path, bundle: Mapping[str, Any]) -> list[str]:
    declared = bundle.get("variables", {})
    problems = []
    for name, target in bundle.get("targets", {}).items():
        assigned = set(target.get("variables", {}))
        problems += [
            f"target {name}: assigns undeclared variable {var!r}"
            for var in sorted(assigned - set(declared))
        ]
        problems += [
            f"target {name}: variable {var!r} has no default and no value"
            for var, spec in declared.items()
            if "default" not in (spec or {}) and var not in assigned
        ]
    text = "\n".join(path.read_text(encoding="utf-8") for path in bundle_files(root))
    resources = bundle.get("resources", {})
    for reference in sorted(set(SUBSTITUTION.findall(text))):
        head, _, rest = reference.partition(".")
        if head == "var":
            if rest.split(".")[0] not in declared:
                problems.append(f"${{{reference}}} names an undeclared variable")
        elif head == "resources":
            kind, _, remainder = rest.partition(".")
            if remainder.split(".")[0] not in resources.get(kind, {}):
                problems.append(f"${{{reference}}} names an undefined resource")
        elif reference not in KNOWN_SUBSTITUTIONS:
            problems.append(f"${{{reference}}} is not a known substitution")
    return problems


def job_problems(job: Mapping[str, Any], base: Path, artifact_outputs: set[Path]) -> list[str]:
    """Task graph, compute and path checks of one job (paths relative to its file's folder)."""
    problems = []
    tasks = job.get("tasks", [])
    keys = [task.get("task_key") for task in tasks]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        problems.append(f"duplicate task keys {duplicates}")
    clusters = {cluster["job_cluster_key"] for cluster in job.get("job_clusters", [])}
    environments = {env["environment_key"] for env in job.get("environments", [])}
    parameters = {parameter["name"] for parameter in job.get("parameters", [])}
    graph: dict[str, list[str]] = {}
    for task in tasks:
        key = task.get("task_key")
        upstream = [dep["task_key"] for dep in task.get("depends_on", [])]
        graph[key] = upstream
        problems += [
            f"task {key}: depends_on unknown task {dep!r}" for dep in upstream if dep not in keys
        ]
        types = sorted(TASK_TYPES & set(task))
        if len(types) != 1:
            problems.append(f"task {key}: needs exactly one task type, found {types}")
        if "job_cluster_key" in task and task["job_cluster_key"] not in clusters:
            problems.append(f"task {key}: job_cluster_key {task['job_cluster_key']!r} undefined")
        if "environment_key" in task and task["environment_key"] not in environments:
            problems.append(f"task {key}: environment_key {task['environment_key']!r} undefined")
        if not COMPUTE_KEYS & set(task):
            problems.append(f"task {key}: runs on no compute (no cluster, no environment_key)")
        for name in sorted(set(JOB_PARAMETER_REFERENCE.findall(json.dumps(task))) - parameters):
            problems.append(f"task {key}: {{{{job.parameters.{name}}}}} is not a job parameter")
        problems += [f"task {key}: {p}" for p in _path_problems(task, base, artifact_outputs)]
    for env in job.get("environments", []):
        dependencies = env.get("spec", {}).get("dependencies", [])
        problems += [
            f"environment {env['environment_key']}: {p}"
            for p in _path_problems({"dependencies": dependencies}, base, artifact_outputs)
        ]
    cycle = _cycle(graph)
    if cycle:
        problems.append(f"depends_on has a cycle: {' -> '.join(cycle)}")
    return problems


def _path_problems(node: Any, base: Path, artifact_outputs: set[Path]) -> list[str]:
    """Relative paths must exist; wheel globs may instead name an artifact's ``dist/``."""
    problems = []
    for value in _relative_paths(node):
        path = (base / value).resolve()
        if value.endswith(".whl") and path.parent in artifact_outputs:
            continue
        if not list(path.parent.glob(path.name)):
            problems.append(f"path {value!r} does not exist (relative to {base.name}/)")
    return problems


def _relative_paths(node: Any) -> Iterator[str]:
    path_keys = {"notebook_path", "python_file", "whl", "requirements", "jar"}
    if isinstance(node, dict):
        for key, value in node.items():
            if key in path_keys and isinstance(value, str) and value.startswith("."):
                yield value
            elif key == "dependencies" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str) and v.startswith("."))
            else:
                yield from _relative_paths(value)
    elif isinstance(node, list):
        for item in node:
            yield from _relative_paths(item)


def _cycle(graph: Mapping[str, list[str]]) -> list[str]:
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str]:
        if state.get(node) == "active":
            return [*trail[trail.index(node) :], node]
        if state.get(node) == "done" or node not in graph:
            return []
        state[node] = "active"
        for upstream in graph[node]:
            found = visit(upstream, [*trail, node])
            if found:
                return found
        state[node] = "done"
        return []

    for node in graph:
        found = visit(node, [])
        if found:
            return found
    return []
