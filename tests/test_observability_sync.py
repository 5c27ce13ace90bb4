"""``MonteCarloSync`` against the loopback Monte Carlo (see tests/mc_loopback.py).

What these tests prove: the library sends well-formed requests that pycarlo's own schema
accepts (operation, arguments, variable types), authenticates with the key pair, follows
the apply protocol (dry run, poll until done, real run only when there are changes),
retries 5xx answers a bounded number of times, reports validation errors by monitor
name, says what state a failed apply leaves the namespace in, and never leaks the token.
What they cannot prove: that Monte Carlo itself accepts these monitors (its semantic
checks, its diff, its answers' exact wording) - only a real account can.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from databricks_utils.cli import main
from databricks_utils.config import EnvironmentConfig
from databricks_utils.observability import (
    MonteCarloApplyError,
    MonteCarloConnectionError,
    MonteCarloCredentialsError,
    MonteCarloRequestError,
    MonteCarloSync,
    MonteCarloValidationError,
    RetryPolicy,
    SyncRefusedError,
)
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig
from tests.mc_loopback import MonteCarloLoopback, serve

PACKAGE = "tests.mc_project.transformations"
API_ID = "mcd-key-id-1234"
TOKEN = "mcd-token-S3CR3T-abcdefghijklmnopqrstuvwxyz0123456789abcdefgh"
FLOOR = "customer_360_row_floor"


@pytest.fixture
def loopback() -> Iterator[MonteCarloLoopback]:
    with serve(MonteCarloLoopback(API_ID, TOKEN)) as server:
        yield server
    assert server.schema_errors == []  # every request was valid for pycarlo's schema


@pytest.fixture(autouse=True)
def no_mcd_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MCD_DEFAULT_API_ID", "MCD_DEFAULT_API_TOKEN", "MCD_API_ENDPOINT", "MC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_sync(
    server: MonteCarloLoopback, env: str = "prod", sleeps: Sleeps | None = None, **options: Any
) -> MonteCarloSync:
    cfg = EnvironmentConfig(
        environment=env, catalog={"name": f"{env}_analytics", "schema": "customer_360"}
    )
    options = {"api_id": API_ID, "api_token": TOKEN, "endpoint": server.url, **options}
    sync = MonteCarloSync(
        config=cfg,
        poll_interval=0.25,
        retry=RetryPolicy(retries=3, initial_delay=0.5, max_delay=4.0),
        sleep=sleeps if sleeps is not None else Sleeps(),
        **options,
    )
    sync.register_rules_from_module(PACKAGE)
    return sync


def test_first_apply_creates_every_monitor(loopback: MonteCarloLoopback) -> None:
    sleeps = Sleeps()
    sync = make_sync(loopback, sleeps=sleeps)
    names = [monitor.name for monitor in sync.monitors()]

    result = sync.apply()

    assert result.changes_applied
    assert result.plan.names("create") == names
    assert (result.plan.names("update"), result.plan.names("delete")) == ([], [])
    assert sorted(loopback.monitors("customer_360-prod")) == sorted(names)
    assert loopback.monitors("customer_360-prod")[FLOOR] == next(
        m.definition for m in sync.monitors() if m.name == FLOOR
    )
    assert [(r.operation, r.variables.get("dryRun")) for r in loopback.requests] == [
        ("createOrUpdateMonteCarloConfigTemplateAsync", True),
        ("getMonteCarloConfigTemplateUpdateState", None),  # PENDING
        ("getMonteCarloConfigTemplateUpdateState", None),
        ("createOrUpdateMonteCarloConfigTemplateAsync", False),
        ("getMonteCarloConfigTemplateUpdateState", None),  # PENDING
        ("getMonteCarloConfigTemplateUpdateState", None),
    ]
    assert sleeps == [0.25, 0.25]  # one poll interval per PENDING answer
    for request in loopback.requests:
        assert (request.headers["x-mcd-id"], request.headers["x-mcd-token"]) == (API_ID, TOKEN)
    sent = loopback.submitted()[1].variables
    assert json.loads(sent["configTemplateJson"]) == sync.config_template()
    assert {k: v for k, v in sent.items() if k != "configTemplateJson"} == {
        "namespace": "customer_360-prod",
        "dryRun": False,
        "misconfiguredAsWarning": True,
        "resource": None,
        "domain": None,
        "createNonIngestedTables": False,
        "sqlValidation": True,
    }
    rendered = result.plan.render().splitlines()
    assert rendered[0] == (
        "Monte Carlo namespace 'customer_360-prod': 6 to create, 0 to update, 0 to delete "
        "(6 monitors in code)"
    )
    assert "  + create  customer_360_row_floor" in rendered


def test_reapplying_changes_nothing_and_sends_no_real_update(loopback: MonteCarloLoopback) -> None:
    make_sync(loopback).apply()
    before = dict(loopback.namespaces)
    count = len(loopback.requests)

    result = make_sync(loopback).apply()

    assert not result.changes_applied
    assert not result.plan.has_changes
    assert loopback.namespaces == before
    assert [r.variables.get("dryRun") for r in loopback.submitted()[2:]] == [True]
    assert len(loopback.requests) == count + 3  # dry run and its two polls only
    assert result.plan.render() == (
        "Monte Carlo namespace 'customer_360-prod': no changes (6 monitors in code)"
    )


def test_a_rule_gone_from_code_is_deleted_and_changed_ones_updated(
    loopback: MonteCarloLoopback,
) -> None:
    make_sync(loopback, namespace="shared").apply()  # prod: 6 monitors, the floor included
    dev = make_sync(loopback, env="dev", namespace="shared")  # dev: no floor, dev tables

    plan = dev.plan()
    assert loopback.monitors("shared")[FLOOR]  # a plan changes nothing
    result = dev.apply()

    assert plan.names("delete") == [FLOOR]
    assert plan.names("create") == []
    assert sorted(plan.names("update")) == sorted(
        m.name for m in dev.monitors() if m.table is None or m.table.catalog == "dev_analytics"
    )
    assert result.changes_applied
    assert sorted(loopback.monitors("shared")) == sorted(m.name for m in dev.monitors())
    assert FLOOR not in loopback.monitors("shared")
    update = next(c for c in plan.changes if c.action == "update")
    assert update.diff is not None
    assert "prod_analytics" in update.diff
    assert "dev_analytics" in update.diff


def test_5xx_answers_are_retried_with_backoff(loopback: MonteCarloLoopback) -> None:
    sleeps = Sleeps()
    sync = make_sync(loopback, sleeps=sleeps)
    loopback.fail_next(503, times=2)

    plan = sync.plan()

    assert len(plan.changes) == 6
    assert [r.status for r in loopback.requests[:3]] == [503, 503, 200]
    assert sleeps[:2] == [0.5, 1.0]  # backoff, then the poll interval
    assert sleeps[2:] == [0.25]


def test_persistent_5xx_gives_up_after_the_bounded_retries(loopback: MonteCarloLoopback) -> None:
    sleeps = Sleeps()
    sync = make_sync(loopback, sleeps=sleeps)
    loopback.fail_next(502, times=10)

    with pytest.raises(MonteCarloConnectionError) as info:
        sync.plan()

    assert str(info.value) == (
        "createOrUpdateMonteCarloConfigTemplateAsync: Monte Carlo answered HTTP 502: "
        "injected HTTP 502 (gave up after 4 attempts)"
    )
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(loopback.requests) == 4


def test_unreachable_endpoint_is_retried_then_reported() -> None:
    sleeps = Sleeps()
    with serve(MonteCarloLoopback(API_ID, TOKEN)) as server:
        url = server.url
    sync = make_sync(server, sleeps=sleeps, endpoint=url)  # the port is closed now

    with pytest.raises(MonteCarloConnectionError) as info:
        sync.plan()

    assert str(info.value) == (
        f"createOrUpdateMonteCarloConfigTemplateAsync: cannot reach {url}: ConnectionError "
        "(gave up after 4 attempts)"
    )
    assert sleeps == [0.5, 1.0, 2.0]


def test_validation_errors_name_their_monitor_and_nothing_is_applied(
    loopback: MonteCarloLoopback,
) -> None:
    sync = make_sync(loopback)
    loopback.reject(FLOOR, "sql", "Table prod_analytics:customer_360_gold.customer_360 not found")

    with pytest.raises(MonteCarloValidationError) as info:
        sync.apply()

    assert str(info.value) == (
        "Monte Carlo rejected the plan (dry run) of namespace 'customer_360-prod' (1 problem):\n"
        f"  - {FLOOR}: sql: Table prod_analytics:customer_360_gold.customer_360 not found"
    )
    assert info.value.problems == [
        f"{FLOOR}: sql: Table prod_analytics:customer_360_gold.customer_360 not found"
    ]
    assert loopback.namespaces == {}
    assert [r.variables["dryRun"] for r in loopback.submitted()] == [True]


def test_validation_errors_in_the_submit_answer_are_reported_too(
    loopback: MonteCarloLoopback,
) -> None:
    loopback.errors_in_submit = True
    sync = make_sync(loopback)
    loopback.reject(FLOOR, "priority", "Not allowed for this account")

    with pytest.raises(MonteCarloValidationError) as info:
        sync.plan()

    assert info.value.problems == [f"{FLOOR}: priority: Not allowed for this account"]


def test_a_failed_real_update_says_the_namespace_state(loopback: MonteCarloLoopback) -> None:
    sync = make_sync(loopback)
    loopback.fail_if = lambda request: 500 if request.variables.get("dryRun") is False else None

    with pytest.raises(MonteCarloApplyError) as info:
        sync.apply()

    assert info.value.namespace_state == "unknown"
    assert str(info.value).endswith(
        "(gave up after 4 attempts)\nThe outcome is unknown: namespace 'customer_360-prod' may "
        "or may not have been updated. Run plan to see its state, then apply again."
    )


def test_a_real_update_rejected_by_monte_carlo_leaves_the_namespace_unchanged(
    loopback: MonteCarloLoopback,
) -> None:
    sync = make_sync(loopback)
    original = loopback.create_or_update

    def reject_real_runs(namespace: str, config_json: str, dry_run: bool) -> dict[str, Any]:
        if not dry_run:
            loopback.reject(FLOOR, "schedule", "Interval too short for this account")
        return original(namespace, config_json, dry_run)

    loopback.create_or_update = reject_real_runs  # type: ignore[method-assign]

    with pytest.raises(MonteCarloApplyError) as info:
        sync.apply()

    assert info.value.namespace_state == "unchanged"
    assert str(info.value) == (
        "Monte Carlo rejected the apply of namespace 'customer_360-prod' (1 problem):\n"
        f"  - {FLOOR}: schedule: Interval too short for this account\n"
        "Nothing was applied: namespace 'customer_360-prod' is unchanged."
    )
    assert loopback.namespaces == {}


def test_wrong_credentials_are_refused_without_retries_or_leaks(
    loopback: MonteCarloLoopback,
) -> None:
    sync = make_sync(loopback, api_token="wrong-S3CR3T-token")

    with pytest.raises(MonteCarloRequestError) as info:
        sync.plan()

    assert str(info.value) == (
        "createOrUpdateMonteCarloConfigTemplateAsync: Monte Carlo refused the "
        "request: Invalid API key (x-mcd-id / x-mcd-token)"
    )
    assert "S3CR3T" not in repr(info.value) + repr(sync) + str(vars(sync))
    assert len(loopback.requests) == 1


def test_an_empty_namespace_is_only_applied_when_allowed(loopback: MonteCarloLoopback) -> None:
    make_sync(loopback, env="dev", namespace="shared").apply()  # 5 monitors
    before = dict(loopback.namespaces)
    empty = MonteCarloSync(
        config=EnvironmentConfig(environment="dev", catalog={"name": "c", "schema": "s"}),
        api_id=API_ID,
        api_token=TOKEN,
        endpoint=loopback.url,
        namespace="shared",
        poll_interval=0,
    )
    sent = len(loopback.submitted())

    with pytest.raises(SyncRefusedError) as info:
        empty.apply()

    assert str(info.value).startswith(
        "no monitors for environment 'dev' (0 rule(s) found): applying would delete every "
        "monitor of namespace 'shared' (5: "
    )
    assert str(info.value).endswith(
        "Check the package and enabled_in, or pass allow_empty=True (--allow-empty). "
        "Nothing was applied: namespace 'shared' is unchanged."
    )
    assert loopback.namespaces == before
    assert [r.variables["dryRun"] for r in loopback.submitted()[sent:]] == [True]
    result = empty.apply(allow_empty=True)

    assert result.changes_applied
    assert loopback.monitors("shared") == {}
    assert json.loads(loopback.submitted()[-1].variables["configTemplateJson"]) == {
        "custom_sql": []
    }


def test_no_monitors_for_an_empty_namespace_is_no_change(loopback: MonteCarloLoopback) -> None:
    sync = MonteCarloSync(
        config=EnvironmentConfig(environment="dev", catalog={"name": "c", "schema": "s"}),
        api_id=API_ID,
        api_token=TOKEN,
        endpoint=loopback.url,
        poll_interval=0,
    )

    result = sync.apply()

    assert not result.changes_applied
    assert loopback.namespaces == {}
    assert [r.variables["dryRun"] for r in loopback.submitted()] == [True]


# -- credentials -------------------------------------------------------------------------


def test_credentials_come_from_the_environment_like_pycarlo(
    loopback: MonteCarloLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCD_DEFAULT_API_ID", API_ID)
    monkeypatch.setenv("MCD_DEFAULT_API_TOKEN", TOKEN)
    monkeypatch.setenv("MCD_API_ENDPOINT", loopback.url)
    sync = make_sync(loopback, api_id=None, api_token=None, endpoint=None)

    assert len(sync.plan().changes) == 6


def test_credentials_come_from_the_config_secret(loopback: MonteCarloLoopback) -> None:
    cfg = EnvironmentConfig.model_validate(
        {
            "environment": "prod",
            "catalog": {"name": "prod_analytics", "schema": "customer_360"},
            "monte_carlo": {"api_id": API_ID, "api_token": TOKEN, "endpoint": loopback.url},
        }
    )
    sync = MonteCarloSync(config=cfg, poll_interval=0)
    sync.register_rules_from_module(PACKAGE)

    assert len(sync.plan().changes) == 6
    assert TOKEN not in repr(sync) + repr(cfg) + str(vars(sync))


def test_api_key_as_pasted_from_monte_carlo_authenticates(
    loopback: MonteCarloLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_argument = make_sync(loopback, api_id=None, api_token=None, api_key=f"{API_ID}:{TOKEN}")
    monkeypatch.setenv("MC_API_KEY", f"{API_ID}:{TOKEN}")
    by_environment = make_sync(loopback, api_id=None, api_token=None)

    assert len(by_argument.plan().changes) == len(by_environment.plan().changes) == 6
    for request in loopback.requests:
        assert (request.headers["x-mcd-id"], request.headers["x-mcd-token"]) == (API_ID, TOKEN)
    assert TOKEN not in repr(by_argument) + str(vars(by_argument)) + str(vars(by_environment))


def test_api_key_from_the_config(loopback: MonteCarloLoopback) -> None:
    cfg = EnvironmentConfig.model_validate(
        {
            "environment": "prod",
            "catalog": {"name": "prod_analytics", "schema": "customer_360"},
            "monte_carlo": {"api_key": f"{API_ID}:{TOKEN}", "endpoint": loopback.url},
        }
    )
    sync = MonteCarloSync(config=cfg, poll_interval=0)
    sync.register_rules_from_module(PACKAGE)

    assert len(sync.plan().changes) == 6
    assert TOKEN not in repr(cfg) + repr(sync) + str(vars(sync))


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (
            {},
            {},
            "no Monte Carlo API key found: pass api_key ('<id>:<token>') or api_id and "
            "api_token, set monte_carlo.api_id and monte_carlo.api_token in the config, or set "
            "MCD_DEFAULT_API_ID and MCD_DEFAULT_API_TOKEN, or MC_API_KEY ('<id>:<token>')",
        ),
        (
            {"api_key": TOKEN},
            {},
            "api_key is not a Monte Carlo API key: a key is an id and a token, written "
            "'<id>:<token>' (the key id Monte Carlo shows beside the token, a colon, the "
            "token); or give them apart as api_id and api_token",
        ),
        (
            {},
            {"MC_API_KEY": f":{TOKEN}"},
            "MC_API_KEY is not a Monte Carlo API key: a key is an id and a token, written "
            "'<id>:<token>' (the key id Monte Carlo shows beside the token, a colon, the "
            "token); or give them apart as api_id and api_token",
        ),
        (
            {"api_key": f"{API_ID}:{TOKEN}", "api_id": API_ID},
            {},
            "give the Monte Carlo API key either as api_key ('<id>:<token>') or as api_id and "
            "api_token, not both",
        ),
        (
            {"api_id": API_ID},
            {},
            "Monte Carlo API keys are pairs: api_id and api_token must be "
            "set together (only one of them is set in the arguments)",
        ),
        (
            {},
            {"MCD_DEFAULT_API_TOKEN": TOKEN},
            "Monte Carlo API keys are pairs: "
            "MCD_DEFAULT_API_ID/MCD_DEFAULT_API_TOKEN must be set together (only one of them is "
            "set in the environment)",
        ),
    ],
)
def test_missing_or_partial_credentials_are_reported_without_values(
    monkeypatch: pytest.MonkeyPatch,
    arguments: dict[str, str],
    environment: dict[str, str],
    message: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    sync = MonteCarloSync(namespace="ns", **arguments)  # type: ignore[arg-type]

    with pytest.raises(MonteCarloCredentialsError) as info:
        sync.plan()

    assert str(info.value) == message
    assert TOKEN not in str(info.value)


# -- the command line --------------------------------------------------------------------


def test_cli_export_plan_apply(
    loopback: MonteCarloLoopback,
    write_config: WriteConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, prod="catalog:\n  name: prod_analytics\n")
    monkeypatch.setenv("MCD_DEFAULT_API_ID", API_ID)
    monkeypatch.setenv("MCD_DEFAULT_API_TOKEN", TOKEN)
    monkeypatch.setenv("MCD_API_ENDPOINT", loopback.url)
    common = ["--env", "prod", "--module", PACKAGE, "--path", str(path)]
    loopback.pending_polls = 0  # the command polls every 5 s, as the montecarlo CLI does

    export = main(["monte-carlo", "export", *common, "--output", str(tmp_path / "mc")])
    exported = capsys.readouterr()
    plan = main(["monte-carlo", "plan", *common])
    planned = capsys.readouterr()
    apply = main(["monte-carlo", "apply", *common])
    applied = capsys.readouterr()
    partial = [arg if arg != PACKAGE else "tests.mc_project.pipelines" for arg in common]
    strict = main(["monte-carlo", "plan", *partial, "--strict"])
    failed = capsys.readouterr()

    assert (export, plan, apply, strict) == (0, 0, 0, 1)
    assert exported.out.splitlines()[:2] == [
        f"6 rule(s) found in {PACKAGE}; namespace 'customer_360-prod'",
        f"Wrote 6 monitor(s) for environment 'prod' to {tmp_path / 'mc'}:",
    ]
    assert exported.err == ""
    assert planned.out.splitlines()[1] == (
        "Monte Carlo namespace 'customer_360-prod': 6 to create, 0 to update, 0 to delete "
        "(6 monitors in code)"
    )
    assert applied.out.splitlines()[-1] == (
        "Applied: namespace 'customer_360-prod' now matches the rules in code."
    )
    assert failed.err.startswith(
        "error: 1 module(s) of tests.mc_project.pipelines failed to import (strict=True)"
    )
    for output in (exported, planned, applied, failed):
        assert TOKEN not in output.out + output.err


def test_cli_reports_sync_errors_with_exit_code_1(
    loopback: MonteCarloLoopback,
    write_config: WriteConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, prod="")
    monkeypatch.setenv("MCD_DEFAULT_API_ID", API_ID)
    monkeypatch.setenv("MCD_DEFAULT_API_TOKEN", "not-the-" + TOKEN)
    monkeypatch.setenv("MCD_API_ENDPOINT", loopback.url)

    code = main(["monte-carlo", "apply", "--env", "prod", "--module", PACKAGE, "--path", str(path)])

    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.splitlines()[-1] == (
        "error: createOrUpdateMonteCarloConfigTemplateAsync: Monte Carlo refused the "
        "request: Invalid API key (x-mcd-id / x-mcd-token)"
    )
    assert TOKEN not in captured.out + captured.err


def test_an_update_that_stays_pending_is_given_up_with_the_namespace_state(
    loopback: MonteCarloLoopback,
) -> None:
    sleeps = Sleeps()
    sync = make_sync(loopback, sleeps=sleeps, poll_timeout=1.0)
    original = loopback.update_state

    def real_runs_never_finish(update_uuid: str) -> dict[str, Any]:
        if not loopback.updates[update_uuid].dry_run:
            return {"state": "PENDING", "resourceModifications": None, "changesApplied": False}
        return original(update_uuid)

    loopback.update_state = real_runs_never_finish  # type: ignore[method-assign]

    with pytest.raises(MonteCarloApplyError) as info:
        sync.apply()

    update_uuid = list(loopback.updates)[1]  # the real run's
    assert str(info.value) == (
        f"Monte Carlo update {update_uuid} was still pending after 1 seconds\n"
        "The outcome is unknown: namespace 'customer_360-prod' may or may not have been "
        "updated. Run plan to see its state, then apply again."
    )
    assert info.value.namespace_state == "unknown"
    assert sleeps == [0.25] + [0.25] * 4  # the dry run's one PENDING, then four waits
