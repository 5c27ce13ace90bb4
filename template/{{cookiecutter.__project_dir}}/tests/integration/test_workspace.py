"""Checks against a real workspace: they run only where credentials are set (e.g. in CI)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HAS_CREDENTIALS = bool(os.environ.get("DATABRICKS_TOKEN")) or bool(
    os.environ.get("DATABRICKS_CLIENT_ID") and os.environ.get("DATABRICKS_CLIENT_SECRET")
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not HAS_CREDENTIALS,
        reason="no workspace credentials: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and "
        "DATABRICKS_CLIENT_SECRET, to run the integration tests",
    ),
    pytest.mark.skipif(
        shutil.which("databricks") is None,
        reason="the Databricks CLI is not installed (https://docs.databricks.com/dev-tools/cli/install.html)",
    ),
]


def test_bundle_validates_against_the_dev_workspace():
    result = subprocess.run(
        ["databricks", "bundle", "validate", "-t", "dev", "--output", "json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    [job] = json.loads(result.stdout)["resources"]["jobs"].values()
    assert [task["task_key"] for task in job["tasks"]] == ["bronze", "silver", "gold"]
