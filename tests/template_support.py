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
    "job_cluster-airflow-no_ci-18-aws": {
        "compute": "job_cluster",
        "orchestrator": "airflow",
        "ci": "none",
        "runtime": "18",
        "failure_email": "data-alerts@example.com",
    },
    "serverless-airflow-github-15.4": {"orchestrator": "airflow", "runtime": "15.4"},
    "job_cluster-workflows-no_ci-16.4-azure": {
        "compute": "job_cluster",
        "ci": "none",
        "runtime": "16.4",
        "cloud": "azure",
    },
    "serverless-18-email": {"runtime": "18", "failure_email": "data-alerts@example.com"},
    "job_cluster-17.3-gcp": {"compute": "job_cluster", "cloud": "gcp"},
}

# What each runtime answer must produce: the job cluster's spark_version, the serverless
# environment version, and the dev extra's Spark and Delta pins.
RUNTIMES = {
    "17.3": ("17.3.x-scala2.13", "4", ["pyspark>=4.0.1,<4.1", "delta-spark>=4.0.1,<4.1"]),
    "18": ("18.0.x-scala2.13", "5", ["pyspark==4.1.1", "delta-spark==4.1.0"]),
    "16.4": ("16.4.x-scala2.12", "3", ["pyspark>=3.5.3,<3.6", "delta-spark>=3.3.0,<3.4"]),
    "15.4": ("15.4.x-scala2.12", "2", ["pyspark>=3.5.3,<3.6", "delta-spark>=3.3.0,<3.4"]),
}
NODE_TYPES = {"aws": "i3.xlarge", "azure": "Standard_D3_v2", "gcp": "n1-standard-4"}

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
