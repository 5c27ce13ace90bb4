"""Monte Carlo sync never deletes what it could not read, nor deletes without a yes.

Driven end to end: the library and ``databricks-utils monte-carlo`` against the loopback
Monte Carlo (tests/mc_loopback.py), a real terminal (a pty) for the question before
deleting, and Monte Carlo's own ``montecarlo`` CLI reading back what the namespace holds.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from databricks_utils.cli import main
from databricks_utils.config import EnvironmentConfig
from databricks_utils.observability import (
    MonteCarloSync,
    RuleImportWarning,
    SyncRefusedError,
)
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig, WritePackage
from tests.mc_loopback import MonteCarloLoopback, run_montecarlo, serve

API_ID = "safety-key-id"
TOKEN = "safety-token-S3CR3T-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
NAMESPACE = "customer_360-prod"
REPO = Path(__file__).resolve().parent.parent

CUSTOMERS = """
from databricks_utils.observability import monte_carlo_rule

@monte_carlo_rule(rule_type="freshness", threshold_hours=24, table="customers", layer="silver")
def build_customers(spark):
    pass
"""
ORDERS = """
from databricks_utils.observability import monte_carlo_rule

@monte_carlo_rule(rule_type="volume", min_rows=1, table="orders", layer="gold")
def build_orders(spark):
    pass
"""
ACCOUNTS = ORDERS.replace("orders", "accounts")
NEEDS_DLT = "import dlt\n" + ORDERS
INVALID = ORDERS.replace("min_rows=1", "min_rows=-1")


@pytest.fixture
def loopback() -> Iterator[MonteCarloLoopback]:
    with serve(MonteCarloLoopback(API_ID, TOKEN, pending_polls=0)) as server:
        yield server
    assert server.schema_errors == []


@pytest.fixture
def mcd_environment(loopback: MonteCarloLoopback, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCD_DEFAULT_API_ID", API_ID)
    monkeypatch.setenv("MCD_DEFAULT_API_TOKEN", TOKEN)
    monkeypatch.setenv("MCD_API_ENDPOINT", loopback.url)


def sync_of(server: MonteCarloLoopback, package: str) -> MonteCarloSync:
    config = EnvironmentConfig(
        environment="prod", catalog={"name": "prod_analytics", "schema": "customer_360"}
    )
    sync = MonteCarloSync(
        config=config, api_id=API_ID, api_token=TOKEN, endpoint=server.url, poll_interval=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuleImportWarning)
        sync.register_rules_from_module(package)
    return sync


def name(package: str, module: str) -> str:
    """The derived monitor name of the one rule in ``module``."""
    return {
        "customers": f"{package}.customers.build_customers.freshness.silver.customers",
        "orders": f"{package}.orders.build_orders.volume.gold.orders",
        "accounts": f"{package}.accounts.build_accounts.volume.gold.accounts",
    }[module]


# -- modules that fail to import ----------------------------------------------------------


@pytest.mark.parametrize(
    ("orders", "error"),
    [
        (NEEDS_DLT, "ModuleNotFoundError: No module named 'dlt'"),
        (
            INVALID,
            "ValueError: @monte_carlo_rule on {package}.orders.build_orders: min_rows: must not "
            "be negative, got -1",
        ),
    ],
    ids=["import-error", "invalid-rule"],
)
def test_plan_and_apply_refuse_before_sending_anything_when_a_module_failed(
    loopback: MonteCarloLoopback, write_package: WritePackage, orders: str, error: str
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": orders})
    sync = sync_of(loopback, package)

    for action in ("plan", "apply"):
        with pytest.raises(SyncRefusedError) as info:
            getattr(sync, action)()

        assert str(info.value) == (
            f"refusing to {action} namespace {NAMESPACE!r}: 1 module(s) failed to import, so "
            "their rules are unknown and their monitors would be deleted:\n"
            f"  - {package}.orders: {error.format(package=package)}\n"
            "Fix them, or pass allow_partial=True (--allow-partial) to keep their monitors in "
            "Monte Carlo as they are. Nothing was sent."
        )
    assert loopback.requests == []


def test_allow_partial_keeps_the_monitors_of_failed_modules_as_they_are(
    loopback: MonteCarloLoopback, write_package: WritePackage, tmp_path: Path
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": ORDERS})
    sync_of(loopback, package).apply()
    before = loopback.monitors(NAMESPACE)
    write_package(
        {
            "customers.py": CUSTOMERS.replace("threshold_hours=24", "threshold_hours=12"),
            "orders.py": NEEDS_DLT,
            "accounts.py": ACCOUNTS,
        },
        name=package,
    )
    sync = sync_of(loopback, package)
    sent = len(loopback.requests)

    result = sync.apply(allow_partial=True)

    after = loopback.monitors(NAMESPACE)
    orders, customers = name(package, "orders"), name(package, "customers")
    accounts = name(package, "accounts")
    assert sorted(before) == sorted([customers, orders])
    assert sorted(after) == sorted([accounts, customers, orders])
    assert after[orders] == before[orders]  # sent back exactly as it was
    assert after[customers]["alert_conditions"][0]["threshold_value"] == 12
    assert (result.plan.names("create"), result.plan.names("update")) == ([accounts], [customers])
    assert (result.plan.names("delete"), result.plan.kept) == ([], (orders,))
    assert [r.operation for r in loopback.requests[sent:]] == [
        "getMonteCarloConfigTemplates",  # read what to keep before sending anything
        "createOrUpdateMonteCarloConfigTemplateAsync",
        "getMonteCarloConfigTemplateUpdateState",
        "createOrUpdateMonteCarloConfigTemplateAsync",
        "getMonteCarloConfigTemplateUpdateState",
    ]
    assert result.plan.render().splitlines()[-2:] == [
        "  kept as they are (their modules failed to import):",
        f"    = {orders}",
    ]
    # Monte Carlo's own CLI reads the same namespace back.
    cli = run_montecarlo(
        "monitors",
        "get-template",
        "--namespace",
        NAMESPACE,
        "--project-dir",
        "-",
        home=tmp_path,
        api_id=API_ID,
        api_token=TOKEN,
        endpoint=loopback.url,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    held = yaml.safe_load(cli.stdout)["montecarlo"]["custom_sql"]
    # Its YAML dump ends multi-line strings with a newline; nothing else differs.
    assert {m["name"]: {**m, "sql": m["sql"].rstrip("\n")} for m in held} == after


def test_allow_partial_on_a_namespace_without_the_failed_modules_keeps_nothing(
    loopback: MonteCarloLoopback, write_package: WritePackage
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": NEEDS_DLT})

    result = sync_of(loopback, package).apply(allow_partial=True)

    assert result.plan.kept == ()
    assert sorted(loopback.monitors(NAMESPACE)) == [name(package, "customers")]


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli(
    write_config: WriteConfig, mcd_environment: None, capsys: pytest.CaptureFixture[str]
) -> Iterator[list[str]]:
    """The common arguments; stdin is no terminal (as in CI)."""
    path = write_config(defaults=MINIMAL_DEFAULTS, prod="catalog:\n  name: prod_analytics\n")
    yield ["--env", "prod", "--path", str(path)]
    assert TOKEN not in "".join(capsys.readouterr())


def test_cli_export_of_no_rules_fails_with_the_reason(
    cli: list[str], write_package: WritePackage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = write_package({})
    output = tmp_path / "mc"

    code = main(["monte-carlo", "export", *cli, "--module", package, "--output", str(output)])

    assert code == 1
    assert capsys.readouterr().err == (
        "error: nothing to export: no monitors for environment 'prod' (0 rule(s) found); "
        f"applying an empty project deletes every monitor of namespace {NAMESPACE!r}. Check the "
        "package and enabled_in, or allow an empty export (--allow-empty)\n"
    )
    assert not output.exists()


def test_cli_export_with_a_failed_module_leaves_the_earlier_export_as_it_was(
    cli: list[str], write_package: WritePackage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": ORDERS})
    output = tmp_path / "mc"
    export = ["monte-carlo", "export", *cli, "--module", package, "--output", str(output)]
    assert main(export) == 0
    exported = {path: path.read_bytes() for path in output.rglob("*.yml")}
    write_package({"customers.py": CUSTOMERS, "orders.py": NEEDS_DLT}, name=package)
    capsys.readouterr()

    code = main(export)

    assert code == 1
    assert capsys.readouterr().err.splitlines()[1:] == [
        f"error: refusing to export namespace {NAMESPACE!r}: 1 module(s) failed to import, so "
        "their rules are unknown and their monitors would be deleted:",
        f"  - {package}.orders: ModuleNotFoundError: No module named 'dlt'",
        "Fix them, or use apply --allow-partial, which keeps their monitors as they are. "
        "Nothing was written.",
    ]
    assert {path: path.read_bytes() for path in output.rglob("*.yml")} == exported


def test_cli_plan_lists_deletes_first_and_marked(
    cli: list[str],
    write_package: WritePackage,
    loopback: MonteCarloLoopback,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": ORDERS})
    sync_of(loopback, package).apply()
    write_package(
        {
            "customers.py": CUSTOMERS.replace("threshold_hours=24", "threshold_hours=12"),
            "accounts.py": ACCOUNTS,
        },
        name=package,
    )
    (tmp_path / package / "orders.py").unlink()
    capsys.readouterr()

    code = main(["monte-carlo", "plan", *cli, "--module", package])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[:5] == [
        f"2 rule(s) found in {package}; namespace {NAMESPACE!r}",
        f"Monte Carlo namespace {NAMESPACE!r}: 1 to create, 1 to update, 1 to delete "
        "(2 monitors in code)",
        "  ACTION    MONITOR",
        f"  - DELETE  {name(package, 'orders')}  <- deleted, with its history in Monte Carlo",
        f"  + create  {name(package, 'accounts')}",
    ]
    assert lines[5] == f"  ~ update  {name(package, 'customers')}"
    assert lines[6].startswith("      alert_conditions: [{")
    assert sorted(loopback.monitors(NAMESPACE)) == sorted(
        [name(package, "customers"), name(package, "orders")]
    )


def test_cli_apply_without_a_terminal_deletes_only_with_yes(
    cli: list[str],
    write_package: WritePackage,
    loopback: MonteCarloLoopback,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": ORDERS})
    apply = ["monte-carlo", "apply", *cli, "--module", package]
    created = main(apply)  # nothing to delete: no --yes needed
    before = loopback.monitors(NAMESPACE)
    write_package({"customers.py": CUSTOMERS}, name=package)
    (tmp_path / package / "orders.py").unlink()
    capsys.readouterr()

    refused = main(apply)
    output = capsys.readouterr()
    unchanged = loopback.monitors(NAMESPACE)
    confirmed = main([*apply, "--yes"])

    assert (created, refused, confirmed) == (0, 1, 0)
    assert sorted(before) == sorted([name(package, "customers"), name(package, "orders")])
    assert output.err == (
        "error: the plan deletes 1 monitor(s) and there is no terminal to ask: pass --yes to "
        f"delete them. Nothing was applied: namespace {NAMESPACE!r} is unchanged.\n"
    )
    assert f"  - DELETE  {name(package, 'orders')}" in output.out
    assert unchanged == before
    assert loopback.monitors(NAMESPACE) == {
        name(package, "customers"): before[name(package, "customers")]
    }


def test_cli_apply_of_no_rules_to_a_namespace_with_monitors_needs_allow_empty(
    cli: list[str],
    write_package: WritePackage,
    loopback: MonteCarloLoopback,
    capsys: pytest.CaptureFixture[str],
) -> None:
    package = write_package({"customers.py": CUSTOMERS})
    sync_of(loopback, package).apply()
    empty = write_package({})
    apply = ["monte-carlo", "apply", *cli, "--module", empty, "--yes"]
    capsys.readouterr()

    refused = main(apply)
    error = capsys.readouterr().err
    kept = loopback.monitors(NAMESPACE)
    allowed = main([*apply, "--allow-empty"])

    assert (refused, allowed) == (1, 0)
    assert error == (
        "error: no monitors for environment 'prod' (0 rule(s) found): applying would delete "
        f"every monitor of namespace {NAMESPACE!r} (1: {name(package, 'customers')}). Check the "
        "package and enabled_in, or pass allow_empty=True (--allow-empty). Nothing was "
        f"applied: namespace {NAMESPACE!r} is unchanged.\n"
    )
    assert list(kept) == [name(package, "customers")]
    assert loopback.monitors(NAMESPACE) == {}


def test_cli_apply_with_failed_modules_refuses_unless_allow_partial(
    cli: list[str],
    write_package: WritePackage,
    loopback: MonteCarloLoopback,
    capsys: pytest.CaptureFixture[str],
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": ORDERS})
    sync_of(loopback, package).apply()
    before = loopback.monitors(NAMESPACE)
    write_package({"customers.py": CUSTOMERS, "orders.py": NEEDS_DLT}, name=package)
    apply = ["monte-carlo", "apply", *cli, "--module", package]
    capsys.readouterr()
    sent = len(loopback.requests)

    refused = main(apply)
    output = capsys.readouterr()
    requests_after_refusal = len(loopback.requests)
    partial = main([*apply, "--allow-partial"])

    assert (refused, partial) == (1, 0)
    assert output.err.splitlines() == [
        f"warning: skipped module {package}.orders: ModuleNotFoundError: No module named 'dlt'",
        f"error: refusing to apply namespace {NAMESPACE!r}: 1 module(s) failed to import, so "
        "their rules are unknown and their monitors would be deleted:",
        f"  - {package}.orders: ModuleNotFoundError: No module named 'dlt'",
        "Fix them, or pass allow_partial=True (--allow-partial) to keep their monitors in Monte "
        "Carlo as they are. Nothing was sent.",
    ]
    assert requests_after_refusal == sent
    assert loopback.monitors(NAMESPACE) == before


# -- a real terminal ----------------------------------------------------------------------


def in_terminal(arguments: list[str], answer: str, cwd: Path) -> tuple[int, str]:
    """Run ``databricks-utils`` on a pty, answer its question, return exit code and output."""
    primary, secondary = pty.openpty()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(REPO)])}
    process = subprocess.Popen(
        [sys.executable, "-m", "databricks_utils.cli", *arguments],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        cwd=cwd,
        env=env,
    )
    os.close(secondary)
    output = b""
    deadline = time.monotonic() + 120
    while b"[y/N] " not in output and time.monotonic() < deadline:
        if select.select([primary], [], [], 0.5)[0]:
            try:
                output += os.read(primary, 4096)
            except OSError:  # the process ended without asking
                break
    os.write(primary, answer.encode() + b"\n")
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    code = process.wait(timeout=120)
    os.close(primary)
    return code, output.decode().replace("\r\n", "\n")


def test_cli_apply_on_a_terminal_asks_before_deleting(
    cli: list[str], write_package: WritePackage, loopback: MonteCarloLoopback, tmp_path: Path
) -> None:
    package = write_package({"customers.py": CUSTOMERS, "orders.py": ORDERS})
    sync_of(loopback, package).apply()
    before = loopback.monitors(NAMESPACE)
    (tmp_path / package / "orders.py").unlink()
    apply = ["monte-carlo", "apply", *cli, "--module", package]

    declined, declined_output = in_terminal(apply, "n", tmp_path)
    unchanged = loopback.monitors(NAMESPACE)
    accepted, accepted_output = in_terminal(apply, "y", tmp_path)

    question = f"Delete 1 monitor(s) of namespace {NAMESPACE!r}? [y/N] "
    assert (declined, accepted) == (1, 0)
    assert question in declined_output
    assert question in accepted_output
    assert declined_output.rstrip().endswith(
        f"error: the 1 delete(s) were not confirmed. Nothing was applied: namespace "
        f"{NAMESPACE!r} is unchanged."
    )
    assert unchanged == before
    assert accepted_output.rstrip().endswith(
        f"Applied: namespace {NAMESPACE!r} now matches the rules in code."
    )
    assert loopback.monitors(NAMESPACE) == {
        name(package, "customers"): before[name(package, "customers")]
    }
    assert TOKEN not in declined_output + accepted_output
