"""The exported project through Monte Carlo's own ``montecarlo`` CLI (package montecarlodata).

``compile`` runs fully offline: it proves the CLI parses and accepts the files (YAML,
duplicate keys, namespace, list-valued monitor keys) and merges them into exactly the
configuration the library sends. ``apply`` runs against the loopback Monte Carlo: the
CLI and ``MonteCarloSync`` must send the same operation with the same variables and the
same configuration for the same rules. Neither proves that Monte Carlo's server accepts
the monitors.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from graphql import parse, print_ast

from databricks_utils.config import EnvironmentConfig
from databricks_utils.observability import MonteCarloSync, RetryPolicy
from tests.mc_loopback import (
    MonteCarloLoopback,
    Request,
    run_montecarlo,
    serve,
    strip_annotations,
)

PACKAGE = "tests.mc_project.transformations"
API_ID = "cli-key-id"
TOKEN = "cli-token-S3CR3T-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


def make_sync(endpoint: str = "http://127.0.0.1:9/graphql") -> MonteCarloSync:
    cfg = EnvironmentConfig.model_validate(
        {
            "environment": "prod",
            "catalog": {"name": "prod_analytics", "schema": "customer_360"},
            "monte_carlo": {"warehouse": "uc-prod", "domain": "crm"},
        }
    )
    sync = MonteCarloSync(
        config=cfg,
        api_id=API_ID,
        api_token=TOKEN,
        endpoint=endpoint,
        poll_interval=0,
        retry=RetryPolicy(retries=1, initial_delay=0.01),
    )
    sync.register_rules_from_module(PACKAGE)
    return sync


def montecarlo(
    *args: str, home: Path, endpoint: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI with this module's key."""
    return run_montecarlo(*args, home=home, api_id=API_ID, api_token=TOKEN, endpoint=endpoint)


@pytest.fixture
def exported(tmp_path: Path) -> tuple[MonteCarloSync, Path]:
    sync = make_sync()
    project = tmp_path / "project"
    sync.export_mac(project)
    return sync, project


def test_montecarlo_compile_accepts_the_export_and_merges_it_into_our_template(
    exported: tuple[MonteCarloSync, Path], tmp_path: Path
) -> None:
    sync, project = exported

    result = montecarlo("monitors", "compile", "--project-dir", str(project), home=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration validation errors" not in result.stdout
    assert "namespace: customer_360-prod found in montecarlo.yml" in result.stdout
    for name in ("customers", "gold.customer_360", "orders"):
        assert f"montecarlo/{PACKAGE}.{name}.yml - Monitor configuration found." in result.stdout
    compiled = project / "target" / "customer_360-prod_montecarlo_configuration.json"
    assert strip_annotations(json.loads(compiled.read_text())) == sync.config_template()


def test_montecarlo_compile_still_catches_what_it_checks(
    exported: tuple[MonteCarloSync, Path], tmp_path: Path
) -> None:
    _, project = exported
    broken = project / "montecarlo" / f"{PACKAGE}.orders.yml"
    broken.write_text(broken.read_text().replace("custom_sql:\n", "custom_sql: {}\n  x:\n", 1))

    result = montecarlo("monitors", "compile", "--project-dir", str(project), home=tmp_path)

    assert result.returncode != 0  # the check above is not vacuous
    assert '"custom_sql" property should be a list.' in result.stdout


def test_montecarlo_apply_and_monte_carlo_sync_send_the_same_configuration(
    exported: tuple[MonteCarloSync, Path], tmp_path: Path
) -> None:
    _, project = exported
    with serve(MonteCarloLoopback(API_ID, TOKEN, pending_polls=0)) as cli_server:
        cli = montecarlo(
            "monitors",
            "apply",
            "--project-dir",
            str(project),
            "--auto-yes",
            home=tmp_path,
            endpoint=cli_server.url,
        )
    with serve(MonteCarloLoopback(API_ID, TOKEN, pending_polls=0)) as lib_server:
        result = make_sync(lib_server.url).apply()

    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "Changes successfully applied." in cli.stdout
    assert result.changes_applied
    assert cli_server.schema_errors == lib_server.schema_errors == []
    from_cli, from_lib = cli_server.submitted(), lib_server.submitted()
    assert [r.variables["dryRun"] for r in from_cli] == [True, False]
    assert [_normalised(r) for r in from_lib] == [_normalised(r) for r in from_cli]
    assert cli_server.namespaces == lib_server.namespaces
    assert len(cli_server.monitors("customer_360-prod")) == 6
    for request in from_cli:
        assert (request.headers["x-mcd-id"], request.headers["x-mcd-token"]) == (API_ID, TOKEN)
        assert request.headers["x-mcd-telemetry-service"] == "iac_service"


def _normalised(request: Request) -> tuple[str, str | None, dict[str, object]]:
    """Operation text (whitespace-normalised), name and variables; the config as data."""
    variables = dict(request.variables)
    variables["configTemplateJson"] = strip_annotations(
        json.loads(str(variables["configTemplateJson"]))
    )
    return print_ast(parse(request.query)), request.operation, variables
