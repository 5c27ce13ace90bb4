"""GitHub workflows, the library's and the generated project's, against GitHub's schema."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml

from tests.template_support import COMBINATIONS

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def check_workflows(paths: Sequence[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_library_workflows_are_valid() -> None:
    assert [path.name for path in LIBRARY_WORKFLOWS] == ["ci.yml", "release.yml"]

    result = check_workflows(LIBRARY_WORKFLOWS)

    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_workflows_are_valid(baked: Callable[[str], Path]) -> None:
    workflows = [
        path
        for name, answers in COMBINATIONS.items()
        if answers.get("ci", "github_actions") == "github_actions"
        for path in sorted((baked(name) / ".github" / "workflows").glob("*.yml"))
    ]

    result = check_workflows(workflows)

    assert len(workflows) == 4
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    stepz: []\n")

    result = check_workflows([broken])

    assert result.returncode == 1
    assert "broken.yml" in result.stdout


def test_release_runs_the_release_script_and_publishes_from_a_protected_environment() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    jobs = workflow["jobs"]

    assert workflow[True] == {"push": {"tags": ["v*.*.*"]}}  # YAML 1.1 reads `on` as True
    assert workflow["permissions"] == {}
    assert jobs["build"]["needs"] == "checks"
    assert jobs["publish"]["needs"] == "build"
    build_steps = [step.get("run", "") for step in jobs["build"]["steps"]]
    assert 'python scripts/release.py check --tag "$GITHUB_REF_NAME"' in build_steps
    assert "python scripts/release.py build --outdir dist" in build_steps
    publish = jobs["publish"]
    assert publish["environment"] == "private-pypi"
    [upload] = [step for step in publish["steps"] if "publish" in step.get("run", "")]
    assert upload["run"] == "python scripts/release.py publish --dist dist"
    assert upload["env"] == {
        "TWINE_REPOSITORY_URL": "${{ secrets.PRIVATE_PYPI_UPLOAD_URL }}",
        "TWINE_USERNAME": "${{ secrets.PRIVATE_PYPI_USERNAME }}",
        "TWINE_PASSWORD": "${{ secrets.PRIVATE_PYPI_PASSWORD }}",
    }
    # Only the publish job, behind the environment, sees the upload credentials.
    for name in ("checks", "build"):
        assert "secrets." not in yaml.safe_dump(jobs[name])


@pytest.mark.parametrize("workflow", LIBRARY_WORKFLOWS, ids=lambda path: path.name)
def test_library_workflows_run_the_ci_script(workflow: Path) -> None:
    jobs = yaml.safe_load(workflow.read_text())["jobs"]

    assert jobs["checks"]["steps"][-1]["run"] == "bash .ci/run"


def test_generated_ci_deploys_prod_only_from_main_behind_an_environment(
    baked: Callable[[str], Path],
) -> None:
    jobs = yaml.safe_load((baked("defaults") / ".github/workflows/ci.yml").read_text())["jobs"]

    assert (jobs["deploy-dev"]["needs"], jobs["deploy-prod"]["needs"]) == ("test", "test")
    assert "refs/heads/dev" in jobs["deploy-dev"]["if"]
    assert "refs/heads/main" in jobs["deploy-prod"]["if"]
    assert jobs["deploy-prod"]["environment"] == "prod"
    prod_runs = [step.get("run") for step in jobs["deploy-prod"]["steps"]]
    assert prod_runs.index("databricks bundle validate -t prod") < prod_runs.index(
        "databricks bundle deploy -t prod"
    )
    assert prod_runs[-1] == (
        "uv run databricks-utils monte-carlo apply --env prod --module customer_360 --strict"
    )
