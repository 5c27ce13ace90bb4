"""The generated bundle, validated offline: the pinned schema, semantic checks, Job models."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from databricks.bundles.jobs import Job

from tests.bundle_validation import (
    bundle_files,
    job_problems,
    load_yaml,
    schema_problems,
    semantic_problems,
)
from tests.template_support import COMBINATIONS, PACKAGE, SLUG, tomllib

Baked = Callable[[str], Path]


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_every_bundle_file_passes_the_pinned_schema(baked: Baked, combination: str) -> None:
    project = baked(combination)

    files = bundle_files(project)

    assert [path.relative_to(project).as_posix() for path in files] == [
        "databricks.yml",
        f"resources/{SLUG}.job.yml",
    ]
    for path in files:
        assert schema_problems(load_yaml(path), path.name) == []


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_bundle_is_semantically_consistent(baked: Baked, combination: str) -> None:
    assert semantic_problems(baked(combination)) == []


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_jobs_load_into_databricks_bundles_models(baked: Baked, combination: str) -> None:
    document = load_yaml(baked(combination) / f"resources/{SLUG}.job.yml")

    [(key, spec)] = document["resources"]["jobs"].items()
    job = cast("dict[str, Any]", Job.from_dict(spec).as_dict())

    assert key == PACKAGE
    assert [task["task_key"] for task in job["tasks"]] == ["bronze", "silver", "gold"]
    assert job["tasks"][2]["depends_on"] == [{"task_key": "silver"}]


def test_targets_modes_and_production_hardening(baked: Baked) -> None:
    targets = load_yaml(baked("defaults") / "databricks.yml")["targets"]
    principal = "00000000-0000-0000-0000-000000000000"

    assert list(targets) == ["dev", "lab", "prod"]
    assert (targets["dev"]["mode"], targets["dev"]["default"]) == ("development", True)
    assert "mode" not in targets["lab"]
    assert targets["lab"]["presets"]["trigger_pause_status"] == "PAUSED"
    prod = targets["prod"]
    assert prod["mode"] == "production"
    assert prod["workspace"]["root_path"].startswith(f"/Workspace/Users/{principal}/.bundle/")
    assert prod["run_as"] == {"service_principal_name": principal}
    assert prod["permissions"] == [
        {"service_principal_name": principal, "level": "CAN_MANAGE"},
        {"group_name": "data-platform", "level": "CAN_VIEW"},
    ]


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_tasks_run_the_projects_entry_point_per_layer(baked: Baked, combination: str) -> None:
    project = baked(combination)
    scripts = tomllib.loads((project / "pyproject.toml").read_text())["project"]["scripts"]
    [spec] = load_yaml(project / f"resources/{SLUG}.job.yml")["resources"]["jobs"].values()

    assert spec["parameters"] == [
        {"name": "env", "default": "${bundle.target}"},
        {"name": "catalog", "default": "${var.catalog}"},
        {"name": "schema", "default": "${var.schema}"},
    ]
    for task in spec["tasks"]:
        wheel_task = task["python_wheel_task"]
        assert wheel_task["package_name"] == PACKAGE
        assert scripts[wheel_task["entry_point"]] == f"{PACKAGE}.pipeline:main"
        assert wheel_task["named_parameters"] == {
            "layer": task["task_key"],
            "env": "{{job.parameters.env}}",
            "catalog": "{{job.parameters.catalog}}",
            "schema": "{{job.parameters.schema}}",
        }


# The checks must catch what the schema lets through: each mutation breaks one thing.
def _mode_typo(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    bundle["targets"]["dev"]["mode"] = "developement"


def _no_root_path(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    del bundle["targets"]["prod"]["workspace"]["root_path"]


def _undeclared_variable(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    job["resources"]["jobs"][PACKAGE]["parameters"][1]["default"] = "${var.catalgo}"


def _unknown_upstream(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    job["resources"]["jobs"][PACKAGE]["tasks"][1]["depends_on"] = [{"task_key": "bronz"}]


def _missing_environment(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    job["resources"]["jobs"][PACKAGE]["tasks"][0]["environment_key"] = "gpu"


def _unknown_job_parameter(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    task = job["resources"]["jobs"][PACKAGE]["tasks"][0]
    task["python_wheel_task"]["named_parameters"]["env"] = "{{job.parameters.environment}}"


def _missing_file(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    job["resources"]["jobs"][PACKAGE]["environments"][0]["spec"]["dependencies"].append(
        "../requirements-missing.txt"
    )


def _cycle(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    job["resources"]["jobs"][PACKAGE]["tasks"][0]["depends_on"] = [{"task_key": "gold"}]


def _two_defaults(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    bundle["targets"]["prod"]["default"] = True


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_mode_typo, "target dev: mode 'developement' is not one of"),
        (_no_root_path, "target prod: production mode needs workspace.root_path"),
        (_undeclared_variable, "${var.catalgo} names an undeclared variable"),
        (_unknown_upstream, "task silver: depends_on unknown task 'bronz'"),
        (_missing_environment, "task bronze: environment_key 'gpu' undefined"),
        (_unknown_job_parameter, "task bronze: {{job.parameters.environment}} is not a job"),
        (_missing_file, "path '../requirements-missing.txt' does not exist"),
        (_cycle, "depends_on has a cycle: bronze -> gold -> silver -> bronze"),
        (_two_defaults, "exactly one target must be the default, found ['dev', 'prod']"),
    ],
)
def test_semantic_checks_catch_what_the_schema_allows(
    baked: Baked,
    tmp_path: Path,
    mutate: Callable[[dict[str, Any], dict[str, Any]], None],
    expected: str,
) -> None:
    project = shutil.copytree(baked("defaults"), tmp_path / "project")
    bundle_path, job_path = project / "databricks.yml", project / f"resources/{SLUG}.job.yml"
    bundle, job = load_yaml(bundle_path), load_yaml(job_path)
    mutate(bundle, job)
    bundle_path.write_text(yaml.safe_dump(bundle))
    job_path.write_text(yaml.safe_dump(job))

    assert schema_problems(bundle, "databricks.yml") + schema_problems(job, "job.yml") == []
    problems = semantic_problems(project)

    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_schema_rejects_a_misspelt_field_with_the_deepest_cause(baked: Baked) -> None:
    project = baked("job_cluster-workflows-no_ci-16.4-azure")
    job = copy.deepcopy(load_yaml(project / f"resources/{SLUG}.job.yml"))
    library = job["resources"]["jobs"][PACKAGE]["tasks"][0]["libraries"][1]
    library["wheel"] = library.pop("whl")

    problems = schema_problems(job, "job.yml")

    assert problems == [
        "job.yml: resources/jobs/customer_360/tasks/0/libraries/1: "
        "Additional properties are not allowed ('wheel' was unexpected)"
    ]


def test_schema_flags_unknown_top_level_keys() -> None:
    assert schema_problems({"bundle": {"name": "x"}, "target": {}}, "databricks.yml") == [
        "databricks.yml: unknown top-level key 'target'"
    ]


def test_job_checks_report_a_task_without_compute(tmp_path: Path) -> None:
    wheel_task = {"package_name": "p", "entry_point": "e"}
    job = {"tasks": [{"task_key": "a", "python_wheel_task": wheel_task}]}

    assert job_problems(job, tmp_path, set()) == [
        "task a: runs on no compute (no cluster, no environment_key)"
    ]


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_bundle_matches_databricks_default_python_template(baked: Baked, combination: str) -> None:
    answers = COMBINATIONS[combination]
    project = baked(combination)
    bundle = load_yaml(project / "databricks.yml")
    [spec] = load_yaml(project / f"resources/{SLUG}.job.yml")["resources"]["jobs"].values()
    recorded = json.loads((project / ".databricks-utils.json").read_text())["answers"]

    assert bundle["bundle"]["uuid"] == recorded["bundle_uuid"]
    assert re.fullmatch(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", bundle["bundle"]["uuid"])
    dev = bundle["targets"]["dev"]
    assert dev["presets"] == {"artifacts_dynamic_version": True}
    assert dev["variables"] == {
        "catalog": "dev_analytics",
        "schema": f"{PACKAGE}_${{workspace.current_user.short_name}}",
    }
    assert bundle["targets"]["prod"]["variables"]["schema"] == PACKAGE
    if "failure_email" in answers:
        assert spec["email_notifications"] == {"on_failure": [answers["failure_email"]]}
    else:
        assert "email_notifications" not in spec


def test_every_generated_bundle_gets_its_own_uuid(baked: Baked) -> None:
    uuids = {
        load_yaml(baked(combination) / "databricks.yml")["bundle"]["uuid"]
        for combination in COMBINATIONS
    }

    assert len(uuids) == len(COMBINATIONS)
