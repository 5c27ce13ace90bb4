"""The project template: what each combination generates, and which answers it refuses."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

import databricks_utils
from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader
from databricks_utils.template import template_dir
from tests.template_support import (
    COMBINATIONS,
    NODE_TYPES,
    PACKAGE,
    RUNTIMES,
    SLUG,
    UNRENDERED,
    bake,
    expected_files,
    project_files,
    tomllib,
)

ROOT = Path(__file__).resolve().parent.parent
Baked = Callable[[str], Path]
PIN = f"databricks-utils=={databricks_utils.__version__}"


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_each_combination_generates_exactly_its_files(baked: Baked, combination: str) -> None:
    project = baked(combination)

    files = {path.relative_to(project).as_posix() for path in project_files(project)}

    assert project.name == SLUG
    assert files == expected_files(COMBINATIONS[combination])


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_nothing_is_left_unrendered_and_every_file_parses(baked: Baked, combination: str) -> None:
    project = baked(combination)

    for path in project_files(project):
        text = path.read_text(encoding="utf-8")
        leftovers = [m.group(0) for m in UNRENDERED.finditer(text)]
        assert not leftovers, f"{path.relative_to(project)}: {leftovers}"
        if path.suffix in (".yml", ".yaml"):
            assert isinstance(yaml.safe_load(text), dict), path
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".py":
            ast.parse(text, filename=str(path))


def assert_ruff_passes(project: Path) -> None:
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_generated_code_passes_its_own_ruff_config(baked: Baked, combination: str) -> None:
    assert_ruff_passes(baked(combination))


LONGEST = "x" * 40


@pytest.mark.usefixtures("cookiecutter_config")
@pytest.mark.parametrize(
    "answers",
    [
        {"project_name": "ab", "orchestrator": "airflow"},
        {
            "project_slug": "a" * 40,
            "package_name": "p" * 40,
            "catalog": LONGEST,
            "schema": LONGEST,
            "orchestrator": "airflow",
        },
    ],
    ids=["shortest", "longest"],
)
def test_generated_code_passes_ruff_whatever_the_name_lengths(
    tmp_path: Path, answers: dict[str, str]
) -> None:
    assert_ruff_passes(bake(tmp_path, answers))


def _bundle_names(target: dict[str, Any], short_name: str) -> tuple[str, str]:
    """The catalog and schema a bundle target gives the job, as deployed by ``short_name``."""
    variables = target["variables"]
    schema = variables["schema"].replace("${workspace.current_user.short_name}", short_name)
    return variables["catalog"], schema


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_every_environment_loads_the_names_its_bundle_target_uses(
    baked: Baked, monkeypatch: pytest.MonkeyPatch, user: str
) -> None:
    project = baked("defaults")
    targets = yaml.safe_load((project / "databricks.yml").read_text())["targets"]
    monkeypatch.setenv("DATABRICKS_USER_SHORT_NAME", user)

    assert ConfigLoader.environments(project / "config") == ["dev", "lab", "local", "prod"]
    tables = {}
    for env in ("local", "dev", "lab", "prod"):
        config = ConfigLoader.load(env, project / "config")
        tables[env] = CatalogHelper(config).table_name("silver", "customers")
        assert config.project == SLUG  # also the Monte Carlo namespace's prefix
        if env != "local":
            assert _bundle_names(targets[env], user) == (
                config.catalog.name,
                config.catalog.schema_,
            )
    assert tables == {
        "local": f"spark_catalog.{PACKAGE}_silver.customers",
        "dev": f"dev_analytics.{PACKAGE}_{user}_silver.customers",  # [dev alice] != [dev bob]
        "lab": f"lab_analytics.{PACKAGE}_silver.customers",
        "prod": f"prod_analytics.{PACKAGE}_silver.customers",
    }


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_databricks_utils_is_pinned_identically_everywhere(baked: Baked, combination: str) -> None:
    project = baked(combination)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    job = yaml.safe_load((project / f"resources/{SLUG}.job.yml").read_text())
    [(_, spec)] = job["resources"]["jobs"].items()

    if COMBINATIONS[combination].get("compute") == "job_cluster":
        task_pins = [
            library["pypi"]["package"]
            for task in spec["tasks"]
            for library in task["libraries"]
            if "pypi" in library
        ]
        assert task_pins == [PIN, PIN, PIN]
    else:
        [environment] = spec["environments"]
        assert environment["spec"]["dependencies"][0] == PIN
        assert [task["environment_key"] for task in spec["tasks"]] == ["default"] * 3
    assert pyproject["project"]["dependencies"] == [PIN]
    assert pyproject["project"]["optional-dependencies"]["monitors"] == [
        PIN.replace("databricks-utils", "databricks-utils[montecarlo]")
    ]


def test_the_default_runtime_is_the_one_of_the_librarys_spark_extra(baked: Baked) -> None:
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    generated = tomllib.loads((baked("defaults") / "pyproject.toml").read_text())["project"]

    spark_pins = ours["optional-dependencies"]["spark"]
    assert generated["optional-dependencies"]["dev"][: len(spark_pins)] == spark_pins
    assert spark_pins == RUNTIMES["17.3"][2]


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_the_job_and_the_dev_extra_follow_the_runtime(baked: Baked, combination: str) -> None:
    answers = COMBINATIONS[combination]
    project = baked(combination)
    spark_version, environment_version, pins = RUNTIMES[answers.get("runtime", "17.3")]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    [spec] = yaml.safe_load((project / f"resources/{SLUG}.job.yml").read_text())["resources"][
        "jobs"
    ].values()
    bundle = yaml.safe_load((project / "databricks.yml").read_text())

    dev = pyproject["project"]["optional-dependencies"]["dev"]
    assert dev[:2] == pins
    # pyspark comes from these pins only, never through databricks-utils[spark].
    assert not [
        dep
        for deps in pyproject["project"]["optional-dependencies"].values()
        for dep in deps
        if "[spark" in dep
    ]
    if answers.get("compute") == "job_cluster":
        [cluster] = spec["job_clusters"]
        assert cluster["new_cluster"]["spark_version"] == spark_version
        assert (
            bundle["variables"]["node_type_id"]["default"]
            == NODE_TYPES[answers.get("cloud", "aws")]
        )
    else:
        [environment] = spec["environments"]
        assert environment["spec"]["environment_version"] == environment_version


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_databricks_utils_resolves_from_the_private_index_only(
    baked: Baked, combination: str
) -> None:
    project = baked(combination)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())

    assert pyproject["tool"]["uv"]["index"] == [
        {"name": "private", "url": "https://pypi.example.com/simple/", "explicit": True}
    ]
    assert pyproject["tool"]["uv"]["sources"] == {"databricks-utils": {"index": "private"}}
    for path in project_files(project):
        text = path.read_text(encoding="utf-8")
        if path.name != "README.md":  # the README warns against it by name
            assert "extra-index-url" not in text, path
            assert "extra_index_url" not in text, path


def test_the_template_pins_the_library_version_by_default() -> None:
    config = json.loads((template_dir() / "cookiecutter.json").read_text())

    assert config["databricks_utils_version"] == databricks_utils.__version__


def test_github_expressions_survive_rendering(baked: Baked) -> None:
    workflow = (baked("defaults") / ".github/workflows/ci.yml").read_text()

    assert "${{ secrets.PRIVATE_PYPI_USERNAME }}" in workflow
    assert "${{ secrets.DATABRICKS_CLIENT_SECRET }}" in workflow
    assert f"databricks-utils monte-carlo apply --env prod --module {PACKAGE} --strict" in workflow


def test_airflow_dag_runs_the_bundle_job_by_name(baked: Baked) -> None:
    project = baked("serverless-airflow-github-15.4")
    dag = (project / f"dags/{PACKAGE}_dag.py").read_text()
    job = yaml.safe_load((project / f"resources/{SLUG}.job.yml").read_text())
    [spec] = job["resources"]["jobs"].values()

    assert "DatabricksRunNowOperator(" in dag
    assert f'JOB_NAME = "{spec["name"]}"' in dag
    assert "schedule" not in spec  # Airflow owns the schedule
    workflows = yaml.safe_load((baked("defaults") / f"resources/{SLUG}.job.yml").read_text())
    assert "schedule" in workflows["resources"]["jobs"][PACKAGE]


def test_free_text_with_quotes_backslashes_and_unicode_stays_valid(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    description = 'He said "hi" to O\'Connor \\ naïve café ☕ 🚀 \\'
    project = bake(tmp_path, {"description": description, "owner": "Data Platform"})

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    job = yaml.safe_load((project / f"resources/{SLUG}.job.yml").read_text())
    assert pyproject["project"]["description"] == description
    assert job["resources"]["jobs"][PACKAGE]["description"] == description
    assert pyproject["project"]["authors"] == [{"name": "Data Platform"}]


URL_HOST = re.compile(r"https?://([A-Za-z0-9.-]+)")
TEMPLATE_HOSTS = {
    "dev-workspace.example.com",
    "lab-workspace.example.com",
    "prod-workspace.example.com",
    "pypi.example.com",
    "docs.astral.sh",
    "docs.databricks.com",
}
EMAIL = re.compile(r"[\w.+-]+@((?:[\w-]+\.)+[A-Za-z]{2,})\b")


def test_template_holds_no_real_hosts_addresses_or_tokens() -> None:
    for path in project_files(template_dir()):
        text = path.read_text(encoding="utf-8")
        assert set(URL_HOST.findall(text)) <= TEMPLATE_HOSTS, path
        assert {domain.lower() for domain in EMAIL.findall(text)} <= {"example.com"}, path
        assert not re.search(r"dapi[0-9a-f]{16,}", text), path  # Databricks access tokens


INJECTION = "x\"\"\"; import os; os.system('touch PWNED')  # ''' \\"


def test_code_in_a_project_name_is_data_not_code(
    tmp_path: Path, cookiecutter_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    project = bake(tmp_path / "out", {"project_name": INJECTION, "description": INJECTION})

    assert not list(tmp_path.rglob("PWNED"))
    assert project.name == "x-import-os-os-system-touch-pwned"
    readme = (project / "README.md").read_text()
    assert readme.startswith(f"# {INJECTION}\n")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == INJECTION


INVALID_ANSWERS = [
    ("project_slug", "1customer", "use 2-40 lower-case letters and digits"),
    ("project_slug", "customer 360", "use 2-40 lower-case letters and digits"),
    ("project_slug", "customer/360", "use 2-40 lower-case letters and digits"),
    ("project_slug", "customer.360", "use 2-40 lower-case letters and digits"),
    ("project_slug", "Customer", "use 2-40 lower-case letters and digits"),
    ("project_slug", "c", "use 2-40 lower-case letters and digits"),
    ("package_name", "class", "is a Python keyword"),
    ("package_name", "match", "is a Python keyword"),
    ("package_name", "customer-360", "must be a Python identifier"),
    ("package_name", "1customer", "must be a Python identifier"),
    ("package_name", "json", "would shadow an existing module"),
    ("package_name", "pyspark", "would shadow an existing module"),
    ("databricks_utils_version", "1.2", "must be an exact release x.y.z"),
    ("databricks_utils_version", ">=1.0", "must be an exact release x.y.z"),
    ("databricks_utils_version", "1.2.3rc1", "must be an exact release x.y.z"),
    ("catalog", "Analytics", "must be at most 40 lower-case letters"),
    ("catalog", "ana-lytics", "must be at most 40 lower-case letters"),
    ("schema", "customers!", "must be at most 40 lower-case letters"),
    ("dev_host", "http://dev.example.com", "must be a workspace URL https://<host>"),
    ("prod_host", "https://prod.example.com/workspace", "must be a workspace URL https://<host>"),
    ("lab_host", "lab.example.com", "must be a workspace URL https://<host>"),
    ("private_index_url", "https://ci:pw@pypi.example.com/simple/", "must not contain credentials"),
    ("private_index_url", "http://pypi.example.com/simple/", "(http only on localhost)"),
    ("service_principal", "deployer-bot", "the service principal's application ID"),
    ("owner", "team'; drop", "must be a workspace group or user name"),
    ("description", "two\nlines", "must be a single line"),
    ("project_name", " ", "must not be empty"),
]


@pytest.mark.usefixtures("cookiecutter_config")
@pytest.mark.parametrize(("key", "value", "message"), INVALID_ANSWERS)
def test_invalid_answer_stops_generation_and_leaves_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], key: str, value: str, message: str
) -> None:
    # The derived answers are given too, so that only ``key`` is wrong.
    answers = {"project_slug": SLUG, "package_name": PACKAGE, "schema": PACKAGE, key: value}

    with pytest.raises(FailedHookException):
        cookiecutter(
            str(template_dir()), no_input=True, extra_context=answers, output_dir=str(tmp_path)
        )

    assert list(tmp_path.iterdir()) == []
    stderr = capfd.readouterr().err
    assert "Cannot generate the project: 1 invalid answer\n" in stderr
    assert f"  - {key} {value!r}: " in stderr
    assert message in stderr


def test_an_invalid_choice_stops_generation_and_leaves_nothing(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    with pytest.raises(ValueError, match="gpu"):
        cookiecutter(
            str(template_dir()),
            no_input=True,
            extra_context={"compute": "gpu"},
            output_dir=str(tmp_path),
        )

    assert list(tmp_path.iterdir()) == []


def test_a_loopback_index_over_http_is_allowed_for_local_testing(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    project = bake(tmp_path, {"private_index_url": "http://127.0.0.1:8089/simple/"})

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["index"][0]["url"] == "http://127.0.0.1:8089/simple/"


def test_ci_names_the_dev_schemas_of_the_identity_that_deploys(baked: Baked) -> None:
    workflow = yaml.safe_load((baked("defaults") / ".github/workflows/ci.yml").read_text())
    runs = [step.get("run", "") for step in workflow["jobs"]["deploy-dev"]["steps"]]

    [naming] = [i for i, run in enumerate(runs) if "current_user.short_name" in run]
    [monitors] = [i for i, run in enumerate(runs) if "monte-carlo apply --env dev" in run]
    assert "DATABRICKS_USER_SHORT_NAME=" in runs[naming]
    assert naming < monitors
