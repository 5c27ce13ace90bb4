"""The ``databricks-utils`` console command, run as users run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from databricks_utils import __version__
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig

COMMAND = (
    shutil.which("databricks-utils", path=str(Path(sys.executable).parent)) or "databricks-utils"
)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABRICKS_UTILS_CONFIG_DIR"}
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )


def test_config_show_prints_the_merged_config_as_yaml(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS, dev="spark:\n  config:\n    spark.sql.shuffle.partitions: 8\n"
    )

    result = run_cli("config", "show", "--env", "dev", cwd=path.parent)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# environment 'dev' from config: defaults.yaml -> dev.yaml\n")
    assert yaml.safe_load(result.stdout) == {
        "environment": "dev",
        "project": None,
        "spark": {
            "app_name": "customer_360",
            "master": None,
            "config": {
                "spark.sql.shuffle.partitions": "8",
                "spark.sql.adaptive.enabled": "true",
            },
            "jars_dir": None,
            "warehouse_dir": str((path.parent / "spark-warehouse").resolve()),
            "databricks_connect": None,
            "remote": None,
        },
        "catalog": {
            "name": "dev_analytics",
            "schema": "customer_360",
            "naming": "{catalog}.{schema}_{layer}.{table}",
        },
        "monte_carlo": None,
        "logging": {
            "table": "pipeline_logs",
            "layer": "bronze",
            "level": "INFO",
            "batch_size": 100,
            "flush_interval_seconds": 30.0,
            "max_buffered_records": 10000,
        },
    }


def test_config_show_masks_the_token_of_a_spark_connect_url(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS, dev='spark:\n  remote: "sc://host:443/;token=S3CR3T"\n'
    )

    result = run_cli("config", "show", "--env", "dev", "--path", str(path))

    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["spark"]["remote"] == "sc://host:443/;token=**********"
    assert "S3CR3T" not in result.stdout + result.stderr


def test_config_show_reports_problems_on_stderr_with_exit_code_1(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  app_nmae: x\n")

    result = run_cli("config", "show", "--env", "dev", "--path", str(path))

    assert result.returncode == 1
    assert result.stdout == ""
    assert "dev.yaml:2:3: spark.app_nmae: unknown key; did you mean 'app_name'?" in result.stderr


def test_usage_errors_exit_2_and_version_prints(tmp_path: Path) -> None:
    missing_env = run_cli("config", "show", cwd=tmp_path)
    version = run_cli("--version")

    assert missing_env.returncode == 2
    assert "the following arguments are required: --env" in missing_env.stderr
    assert version.stdout.strip() == f"databricks-utils {__version__}"
