"""Generating projects from the template in tests, and what each combination must contain."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from databricks_utils.template import create_project

__all__ = ["tomllib"]

PROJECT_NAME = "Customer 360"
SLUG = "customer-360"
PACKAGE = "customer_360"

# Every choice value appears at least once; "defaults" answers nothing.
COMBINATIONS: dict[str, dict[str, str]] = {
    "defaults": {},
    "job_cluster-airflow-no_ci": {
        "compute": "job_cluster",
        "orchestrator": "airflow",
        "ci": "none",
    },
    "serverless-airflow-github": {"orchestrator": "airflow"},
    "job_cluster-workflows-no_ci": {"compute": "job_cluster", "ci": "none"},
}

COMMON_FILES = {
    ".databricks-utils.json",
    ".gitignore",
    "README.md",
    "config/defaults.yaml",
    "config/dev.yaml",
    "config/lab.yaml",
    "config/local.yaml",
    "config/prod.yaml",
    "databricks.yml",
    "fixtures/README.md",
    "fixtures/customers/2024-01-01.csv",
    "fixtures/customers/2024-01-02.csv",
    "pyproject.toml",
    f"resources/{SLUG}.job.yml",
    f"src/{PACKAGE}/__init__.py",
    f"src/{PACKAGE}/local_tables.py",
    f"src/{PACKAGE}/pipeline.py",
    f"src/{PACKAGE}/transformations/__init__.py",
    f"src/{PACKAGE}/transformations/bronze/__init__.py",
    f"src/{PACKAGE}/transformations/bronze/customers.py",
    f"src/{PACKAGE}/transformations/gold/__init__.py",
    f"src/{PACKAGE}/transformations/gold/customers_by_country.py",
    f"src/{PACKAGE}/transformations/silver/__init__.py",
    f"src/{PACKAGE}/transformations/silver/customers.py",
    "tests/conftest.py",
    "tests/integration/test_workspace.py",
    "tests/test_bronze.py",
    "tests/test_config.py",
    "tests/test_gold.py",
    "tests/test_monitors.py",
    "tests/test_pipeline.py",
    "tests/test_silver.py",
    "tests/test_silver_contract.py",
}
CI_FILES = {".github/workflows/ci.yml"}
AIRFLOW_FILES = {f"dags/{PACKAGE}_dag.py"}

# Jinja left behind: "{{" not preceded by "$" (GitHub's ${{ }} is wanted), "{%", "{#",
# "cookiecutter.". Databricks' dynamic value references {{job.parameters.x}} are wanted too.
UNRENDERED = re.compile(r"(?<!\$)\{\{(?!job\.parameters\.\w+\}\})|\{%|\{#|cookiecutter\.")


def bake(output_dir: Path, answers: Mapping[str, str]) -> Path:
    """Generate the project ``PROJECT_NAME`` with ``answers`` into ``output_dir``."""
    return create_project(PROJECT_NAME, output_dir=output_dir, answers=dict(answers))


def expected_files(answers: Mapping[str, str]) -> set[str]:
    files = set(COMMON_FILES)
    if answers.get("ci", "github_actions") == "github_actions":
        files |= CI_FILES
    if answers.get("orchestrator", "databricks_workflows") == "airflow":
        files |= AIRFLOW_FILES
    return files


def project_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path
