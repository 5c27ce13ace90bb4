"""``MonteCarloSync``: from decorated functions to the monitors of a Monte Carlo namespace."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from databricks_utils.observability.credentials import MonteCarloCredentials, resolve_credentials
from databricks_utils.observability.discovery import ImportFailure, discover_rules
from databricks_utils.observability.errors import (
    MonteCarloApplyError,
    MonteCarloError,
    MonteCarloRequestError,
    MonteCarloValidationError,
    SyncRefusedError,
)
from databricks_utils.observability.export import write_mac_project
from databricks_utils.observability.monitors import Monitor, build_monitors, config_template
from databricks_utils.observability.partial import keep_failed_modules
from databricks_utils.observability.plan import ApplyResult, Plan, changes_from, describe_errors
from databricks_utils.observability.rules import MonteCarloRule

if TYPE_CHECKING:
    from databricks_utils.config.models import EnvironmentConfig
    from databricks_utils.observability.client import MonteCarloClient, RetryPolicy, UpdateState

_NAMESPACE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class MonteCarloSync:
    """Syncs the rules declared with ``@monte_carlo_rule`` to one Monte Carlo namespace.

    The namespace is full state: after
    [`apply`][databricks_utils.observability.MonteCarloSync.apply] it holds exactly the
    monitors of the registered rules that are enabled in the environment; monitors of rules
    removed from code are deleted by Monte Carlo. So nothing is sent while a module of the
    package failed to import (unless ``allow_partial=True`` keeps its monitors as they are),
    and applying no monitors to a namespace that has some needs ``allow_empty=True``.

    Args:
        config: The environment's configuration: environment name, catalog naming, and
            the ``monte_carlo`` section (key, endpoint, namespace, warehouse, domain).
        api_key: The API key as ``<id>:<token>``, the form Monte Carlo's key is pasted in
            (``os.getenv("MC_API_KEY")``); ``None`` looks further (see below).
        api_id: API key id, with ``api_token`` (instead of ``api_key``); both override the
            config, ``MCD_DEFAULT_API_ID`` / ``MCD_DEFAULT_API_TOKEN`` and ``MC_API_KEY``.
        api_token: API key secret; never shown in a repr, log line or error.
        endpoint: GraphQL endpoint; overrides ``MCD_API_ENDPOINT`` and the config.
        namespace: Namespace; default ``monte_carlo.namespace``, else
            ``<project>-<environment>``.
        warehouse: Warehouse name or UUID (MaC ``default_resource``).
        domain: Monte Carlo domain (MaC ``default_domain``).
        retry: Retries for transport errors and 5xx answers (default: 4, from 1 s).
        poll_interval: Seconds between polls of an update's state (the CLI's 5 s).
        poll_timeout: Seconds to wait for an update before giving up (the CLI's 30 min).

    Example:
        >>> sync = MonteCarloSync(config=cfg)  # doctest: +SKIP
        >>> rules = sync.register_rules_from_module("src.transformations")  # doctest: +SKIP
        >>> sync.export_mac("build/montecarlo")  # doctest: +SKIP
        >>> print(sync.plan().render())  # doctest: +SKIP
        >>> sync.apply()  # doctest: +SKIP
    """

    def __init__(
        self,
        config: EnvironmentConfig | None = None,
        *,
        api_key: str | SecretStr | None = None,
        api_id: str | None = None,
        api_token: str | SecretStr | None = None,
        endpoint: str | None = None,
        namespace: str | None = None,
        warehouse: str | None = None,
        domain: str | None = None,
        retry: RetryPolicy | None = None,
        poll_interval: float = 5.0,
        poll_timeout: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._config = config
        mc = config.monte_carlo if config is not None else None
        self._api_id = api_id
        self._api_token = SecretStr(api_token) if isinstance(api_token, str) else api_token
        self._api_key = SecretStr(api_key) if isinstance(api_key, str) else api_key
        self._endpoint = endpoint
        self._namespace = namespace if namespace is not None else (mc.namespace if mc else None)
        self._warehouse = warehouse if warehouse is not None else (mc.warehouse if mc else None)
        self._domain = domain if domain is not None else (mc.domain if mc else None)
        self._retry = retry
        self._poll_interval = poll_interval
        self._poll_timeout = poll_timeout
        self._sleep = sleep
        self._rules: list[MonteCarloRule] = []
        self._failures: list[ImportFailure] = []
        self._client: MonteCarloClient | None = None
        self._submit_warnings: str | None = None
        if self._namespace is not None:
            _check_namespace(self._namespace)

    def __repr__(self) -> str:
        namespace = self._namespace or (self._default_namespace() if self._config else None)
        return f"MonteCarloSync(namespace={namespace!r}, rules={len(self._rules)})"

    @property
    def environment(self) -> str | None:
        """The environment of the config, if any."""
        return self._config.environment if self._config is not None else None

    @property
    def namespace(self) -> str:
        """The Monte Carlo namespace the rules sync to.

        Raises:
            MonteCarloError: without config and without an explicit namespace.
        """
        if self._namespace is not None:
            return self._namespace
        if self._config is None:
            raise MonteCarloError(
                "no Monte Carlo namespace: pass namespace=... or config=... "
                "(the default namespace is <project>-<environment>)"
            )
        return self._default_namespace()

    @property
    def rules(self) -> list[MonteCarloRule]:
        """Every registered rule, in every environment."""
        return list(self._rules)

    @property
    def import_failures(self) -> list[ImportFailure]:
        """Modules skipped by ``register_rules_from_module`` because they failed to import."""
        return list(self._failures)

    def register_rules_from_module(
        self, package: str | ModuleType, *, strict: bool = False
    ) -> list[MonteCarloRule]:
        """Import ``package`` and its modules, and register the rules declared there.

        Modules that fail to import are reported (a ``RuleImportWarning`` and
        ``import_failures``) and skipped; with ``strict=True`` they are an error. While
        any module failed, ``export_mac``, ``plan`` and ``apply`` refuse (their monitors
        would be deleted) unless ``allow_partial=True`` keeps them as they are.
        Registering the same package again adds nothing twice.

        Returns:
            The rules found in ``package``, sorted by module, function and position.

        Raises:
            RuleDiscoveryError: when ``package`` cannot be imported, or with ``strict=True``.
        """
        found = discover_rules(package, strict=strict)
        known = {id(rule) for rule in self._rules}
        self._rules += [rule for rule in found.rules if id(rule) not in known]
        self._failures += [f for f in found.failures if f not in self._failures]
        return found.rules

    def monitors(self) -> list[Monitor]:
        """The monitors of the registered rules enabled in the environment, tables resolved.

        Raises:
            MonitorNameCollisionError: when two rules would share a monitor name.
        """
        return build_monitors(self._rules, self._config)

    def config_template(self) -> dict[str, Any]:
        """The namespace's MaC configuration, as sent to Monte Carlo."""
        return config_template(self.monitors())

    def export_mac(
        self, directory: str | os.PathLike[str], *, allow_empty: bool = False
    ) -> list[Path]:
        """Write a monitors-as-code project that ``montecarlo monitors apply`` accepts.

        ``directory`` gets ``montecarlo.yml`` (namespace, warehouse, domain) and one
        ``montecarlo/<module>.yml`` per source module; monitors of removed rules' files are
        removed. Needs neither pycarlo nor credentials.

        Args:
            directory: The project directory.
            allow_empty: Write a project without monitors (applying it empties the
                namespace); refused by default.

        Returns:
            The files written.

        Raises:
            SyncRefusedError: when a module failed to import (the project would lack its
                monitors, and applying it would delete them), or there are no monitors.
        """
        self._refuse_failed_modules(
            "export",
            "or use apply --allow-partial, which keeps their monitors as they are",
            "Nothing was written.",
        )
        monitors = self.monitors()
        if not monitors and not allow_empty:
            raise SyncRefusedError(
                f"nothing to export: {self._no_monitors()}; applying an empty project "
                f"deletes every monitor of namespace {self.namespace!r}. Check the package "
                "and enabled_in, or allow an empty export (--allow-empty)"
            )
        return write_mac_project(
            directory,
            monitors,
            namespace=self.namespace,
            environment=self.environment,
            warehouse=self._warehouse,
            domain=self._domain,
        )

    def plan(self, *, allow_partial: bool = False) -> Plan:
        """Ask Monte Carlo what applying would change (a server-side dry run); change nothing.

        Args:
            allow_partial: Plan as ``apply(allow_partial=True)`` would apply.

        Raises:
            SyncRefusedError: when a module failed to import, unless ``allow_partial``.
            MonteCarloValidationError: when Monte Carlo rejects the configuration; each
                problem names its monitor where Monte Carlo says which.
            MonteCarloConnectionError: when Monte Carlo cannot be reached after retries.
            MonteCarloRequestError: for GraphQL errors and 4xx answers.
        """
        template, kept = self._template(allow_partial, "plan")
        return self._dry_run(template, kept)

    def apply(
        self,
        *,
        allow_empty: bool = False,
        allow_partial: bool = False,
        confirm_deletes: Callable[[Plan], bool] | None = None,
    ) -> ApplyResult:
        """Plan, then apply: the namespace becomes exactly the monitors of the rules in code.

        Nothing is sent when a module failed to import (unless ``allow_partial``), and
        nothing is sent for real when the plan has no changes, deletes every monitor
        without ``allow_empty``, or has deletes ``confirm_deletes`` does not confirm.

        Args:
            allow_empty: Allow applying no monitors to a namespace that has some, which
                deletes them all (refused by default: usually a wrong package or
                environment).
            allow_partial: When modules failed to import, keep their monitors in Monte
                Carlo as they are (their current definitions are sent back) and apply the
                rest; refused by default, as their monitors would be deleted.
            confirm_deletes: Called with the plan when it deletes monitors; the apply
                goes ahead only if it returns True. ``None`` applies without asking.

        Raises:
            SyncRefusedError: for import failures, an unwanted empty namespace or
                unconfirmed deletes; nothing was applied.
            MonteCarloApplyError: when the real update fails; its message and
                ``namespace_state`` say whether the namespace is unchanged, partially
                applied or in an unknown state.
            MonteCarloValidationError: when the dry run is rejected (nothing applied).
        """
        template, kept = self._template(allow_partial, "apply")
        plan = self._dry_run(template, kept)
        if not plan.has_changes:
            return ApplyResult(plan, changes_applied=False)
        namespace = self.namespace
        unchanged = f"Nothing was applied: namespace {namespace!r} is unchanged."
        deletes = plan.names("delete")
        if len(plan.monitors) == 0 and deletes and not allow_empty:
            raise SyncRefusedError(
                f"{self._no_monitors()}: applying would delete every monitor of namespace "
                f"{namespace!r} ({len(deletes)}: {', '.join(deletes)}). Check the package "
                f"and enabled_in, or pass allow_empty=True (--allow-empty). {unchanged}"
            )
        if deletes and confirm_deletes is not None and not confirm_deletes(plan):
            raise SyncRefusedError(f"the {len(deletes)} delete(s) were not confirmed. {unchanged}")
        unknown = (
            f"The outcome is unknown: namespace {namespace!r} may or may not have been "
            "updated. Run plan to see its state, then apply again."
        )
        try:
            update_uuid = self._submit(template, dry_run=False)
        except (MonteCarloValidationError, MonteCarloRequestError) as exc:
            raise MonteCarloApplyError(f"{exc}\n{unchanged}", namespace, "unchanged") from None
        except MonteCarloError as exc:
            raise MonteCarloApplyError(f"{exc}\n{unknown}", namespace, "unknown") from None
        try:
            state = self._wait(update_uuid, template, dry_run=False)
        except MonteCarloApplyError:
            raise
        except MonteCarloValidationError as exc:
            raise MonteCarloApplyError(f"{exc}\n{unchanged}", namespace, "unchanged") from None
        except MonteCarloError as exc:
            raise MonteCarloApplyError(f"{exc}\n{unknown}", namespace, "unknown") from None
        return ApplyResult(plan, changes_applied=state.changes_applied)

    def _template(self, allow_partial: bool, what: str) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The configuration to send, and the monitors kept for modules that failed."""
        if not allow_partial:
            self._refuse_failed_modules(
                what,
                "or pass allow_partial=True (--allow-partial) to keep their monitors "
                "in Monte Carlo as they are",
            )
        template = self.config_template()
        if not self._failures:
            return template, ()
        current = self._connect().current_template(self.namespace)
        return keep_failed_modules(template, current, [f.module for f in self._failures])

    def _refuse_failed_modules(
        self, what: str, alternative: str, outcome: str = "Nothing was sent."
    ) -> None:
        if not self._failures:
            return
        listed = "\n".join(f"  - {failure}" for failure in self._failures)
        raise SyncRefusedError(
            f"refusing to {what} namespace {self.namespace!r}: {len(self._failures)} "
            "module(s) failed to import, so their rules are unknown and their monitors "
            f"would be deleted:\n{listed}\nFix them, {alternative}. {outcome}"
        )

    def _no_monitors(self) -> str:
        found = f"{len(self._rules)} rule(s) found"
        return f"no monitors for environment {self.environment!r} ({found})"

    def _dry_run(self, template: dict[str, Any], kept: tuple[str, ...] = ()) -> Plan:
        update_uuid = self._submit(template, dry_run=True)
        state = self._wait(update_uuid, template, dry_run=True)
        names = tuple(
            str(monitor["name"]) for monitors in template.values() for monitor in monitors
        )
        return Plan(
            namespace=self.namespace,
            changes=changes_from(state.modifications, template),
            warnings=tuple(_warnings(self._submit_warnings) + _warnings(state.warnings_as_json)),
            monitors=names,
            kept=kept,
        )

    def _submit(self, template: dict[str, Any], *, dry_run: bool) -> str:
        update_uuid, errors, warnings = self._connect().submit(
            self.namespace, template, dry_run=dry_run, resource=self._warehouse, domain=self._domain
        )
        self._submit_warnings = warnings
        if errors:
            raise _validation_error(_what(dry_run), self.namespace, errors, template)
        if not update_uuid:
            raise MonteCarloError(f"Monte Carlo returned no update id for the {_what(dry_run)}")
        return update_uuid

    def _wait(self, update_uuid: str, template: dict[str, Any], *, dry_run: bool) -> UpdateState:
        namespace = self.namespace
        state = self._connect().wait_for(
            update_uuid, interval=self._poll_interval, timeout=self._poll_timeout
        )
        if state.state == "SKIPPED":
            raise MonteCarloError(
                f"the {_what(dry_run)} of namespace {namespace!r} was skipped by Monte Carlo in "
                "favour of a more recent update (another deploy running?)"
            )
        if state.errors_as_json or state.state == "FAILED":
            if not dry_run and state.changes_applied:
                problems = describe_errors(state.errors_as_json, template)
                raise MonteCarloApplyError(
                    f"the apply of namespace {namespace!r} failed part-way: Monte Carlo "
                    "reports some changes applied. Run plan to see what remains.\n"
                    + "\n".join(f"  - {p}" for p in problems),
                    namespace,
                    "partially applied",
                )
            raise _validation_error(_what(dry_run), namespace, state.errors_as_json, template)
        return state

    def _connect(self) -> MonteCarloClient:
        if self._client is None:
            from databricks_utils.observability.client import MonteCarloClient

            self._client = MonteCarloClient(self._credentials(), self._retry, sleep=self._sleep)
        return self._client

    def _credentials(self) -> MonteCarloCredentials:
        mc = self._config.monte_carlo if self._config is not None else None
        return resolve_credentials(
            self._api_id, self._api_token, self._endpoint, mc, api_key=self._api_key
        )

    def _default_namespace(self) -> str:
        assert self._config is not None
        return f"{self._config.project_name}-{self._config.environment}"


def _check_namespace(namespace: str) -> None:
    if not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace):
        raise ValueError(
            f"invalid Monte Carlo namespace {namespace!r}: use letters, digits and _ . -"
        )


def _what(dry_run: bool) -> str:
    return "plan (dry run)" if dry_run else "apply"


def _validation_error(
    what: str, namespace: str, errors: str | None, template: dict[str, Any]
) -> MonteCarloValidationError:
    problems = describe_errors(errors, template) or ["Monte Carlo gave no details"]
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return MonteCarloValidationError(
        f"Monte Carlo rejected the {what} of namespace {namespace!r} "
        f"({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n{listed}",
        problems,
    )


def _warnings(warnings_as_json: str | None) -> list[str]:
    if not warnings_as_json:
        return []
    try:
        parsed = json.loads(warnings_as_json)
    except ValueError:
        return [warnings_as_json]
    if isinstance(parsed, dict):
        return [f"{key}: {value}" for key, value in parsed.items()]
    return [str(parsed)]
