"""Monte Carlo's GraphQL API through pycarlo: the calls ``montecarlo monitors apply`` makes.

pycarlo is imported here only, inside functions: declaring and exporting rules work
without it (install the ``montecarlo`` extra to sync).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from databricks_utils.observability.credentials import MonteCarloCredentials
from databricks_utils.observability.errors import (
    MonteCarloConnectionError,
    MonteCarloError,
    MonteCarloRequestError,
)

# The operations and variables of montecarlodata's iac client (montecarlodata/queries/iac.py).
CREATE_OR_UPDATE_CONFIG_TEMPLATE_ASYNC = """
mutation createOrUpdateMonteCarloConfigTemplateAsync(
    $namespace: String!,
    $configTemplateJson: String!,
    $dryRun: Boolean,
    $misconfiguredAsWarning: Boolean,
    $resource: String,
    $createNonIngestedTables: Boolean,
    $sqlValidation: Boolean,
    $domain: String
) {
    createOrUpdateMonteCarloConfigTemplateAsync(
        configTemplateJson: $configTemplateJson,
        namespace: $namespace,
        dryRun: $dryRun,
        misconfiguredAsWarning: $misconfiguredAsWarning,
        resource: $resource,
        createNonIngestedTables: $createNonIngestedTables,
        sqlValidation: $sqlValidation,
        domain: $domain
    ) {
        response {
            updateUuid
            errorsAsJson
            warningsAsJson
        }
    }
}
"""

GET_CONFIG_TEMPLATE_UPDATE_STATE = """
query getMonteCarloConfigTemplateUpdateState($updateUuid: UUID!) {
    getMonteCarloConfigTemplateUpdateState(updateUuid: $updateUuid) {
        state
        resourceModifications {
            type
            description
            isSignificantChange
            diffString
            resourceType
            resourceIndex
            resourceAsJson
        }
        changesApplied
        errorsAsJson
        warningsAsJson
    }
}
"""

# The query of `montecarlo monitors get-template` (montecarlodata/iac/mc_config_service.py).
GET_CONFIG_TEMPLATES = """
query getMonteCarloConfigTemplates($namespace: String!) {
    getMonteCarloConfigTemplates(namespace: $namespace, first: 1) {
        edges {
            node {
                template
            }
        }
    }
}
"""

TELEMETRY_HEADERS = {
    "x-mcd-telemetry-service": "iac_service",
    "x-mcd-telemetry-command": "databricks-utils monte-carlo",
}
INSTALL_HINT = "install the montecarlo extra: pip install 'databricks-utils[montecarlo]'"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff for transport errors and 5xx answers.

    Attempt ``n`` (from 0) waits ``min(initial_delay * 2**n, max_delay)`` seconds before
    the next one; after ``retries`` retries the error is raised.

    Example:
        >>> policy = RetryPolicy(retries=4, initial_delay=1.0, max_delay=5.0)
        >>> policy.delay(0), policy.delay(1), policy.delay(2), policy.delay(3)
        (1.0, 2.0, 4.0, 5.0)
    """

    retries: int = 4
    initial_delay: float = 1.0
    max_delay: float = 10.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (0-based)."""
        return float(min(self.initial_delay * 2**attempt, self.max_delay))


@dataclass(frozen=True)
class UpdateState:
    """The outcome of one ``createOrUpdateMonteCarloConfigTemplateAsync`` call."""

    state: str
    changes_applied: bool
    modifications: list[dict[str, Any]]
    errors_as_json: str | None
    warnings_as_json: str | None


class MonteCarloClient:
    """Calls Monte Carlo's GraphQL API with pycarlo's ``Client`` and ``Session``.

    Args:
        credentials: API key and endpoint.
        retry: Retries for transport errors and 5xx answers.
        timeout_seconds: Timeout of one HTTP request.
        sleep: Waits between retries and polls (tests pass a fake).
    """

    def __init__(
        self,
        credentials: MonteCarloCredentials,
        retry: RetryPolicy | None = None,
        timeout_seconds: int = 30,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client = _pycarlo_client(credentials)
        self._endpoint = credentials.endpoint
        self._retry = retry or RetryPolicy()
        self._timeout = timeout_seconds
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"MonteCarloClient(endpoint={self._endpoint!r})"

    def submit(
        self,
        namespace: str,
        template: dict[str, Any],
        *,
        dry_run: bool,
        resource: str | None,
        domain: str | None,
    ) -> tuple[str | None, str | None, str | None]:
        """Send the namespace's configuration; return ``(update_uuid, errors, warnings)``."""
        variables = {
            "namespace": namespace,
            "configTemplateJson": json.dumps(template),
            "dryRun": dry_run,
            "misconfiguredAsWarning": True,
            "resource": resource,
            "domain": domain,
            "createNonIngestedTables": False,
            "sqlValidation": True,
        }
        data = self.execute(
            CREATE_OR_UPDATE_CONFIG_TEMPLATE_ASYNC,
            variables,
            "createOrUpdateMonteCarloConfigTemplateAsync",
        )
        result = (data.get("create_or_update_monte_carlo_config_template_async") or {}).get(
            "response"
        ) or {}
        return (
            result.get("update_uuid"),
            result.get("errors_as_json"),
            result.get("warnings_as_json"),
        )

    def current_template(self, namespace: str) -> dict[str, Any]:
        """The configuration the namespace holds now (``{}`` for an unknown namespace).

        Raises:
            MonteCarloError: when Monte Carlo's answer is not a JSON object.
        """
        data = self.execute(
            GET_CONFIG_TEMPLATES, {"namespace": namespace}, "getMonteCarloConfigTemplates"
        )
        edges = (data.get("get_monte_carlo_config_templates") or {}).get("edges") or []
        if not edges:
            return {}
        text = (edges[0].get("node") or {}).get("template") or "{}"
        try:
            template = json.loads(text)
        except ValueError:
            template = None
        if not isinstance(template, dict):
            raise MonteCarloError(
                f"Monte Carlo returned a configuration of namespace {namespace!r} that is not "
                "a JSON object; nothing was changed"
            )
        return template

    def wait_for(self, update_uuid: str, *, interval: float, timeout: float) -> UpdateState:
        """Poll the update until it is no longer ``PENDING`` (or ``timeout`` seconds pass).

        Raises:
            MonteCarloError: when the update is still pending after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        waited = 0.0
        while True:
            data = self.execute(
                GET_CONFIG_TEMPLATE_UPDATE_STATE,
                {"updateUuid": update_uuid},
                "getMonteCarloConfigTemplateUpdateState",
            )
            state = data.get("get_monte_carlo_config_template_update_state") or {}
            if state.get("state") != "PENDING":
                return UpdateState(
                    state=str(state.get("state")),
                    changes_applied=bool(state.get("changes_applied")),
                    modifications=list(state.get("resource_modifications") or []),
                    errors_as_json=state.get("errors_as_json"),
                    warnings_as_json=state.get("warnings_as_json"),
                )
            if waited + interval > timeout or time.monotonic() + interval > deadline:
                raise MonteCarloError(
                    f"Monte Carlo update {update_uuid} was still pending after {timeout:g} seconds"
                )
            self._sleep(interval)
            waited += interval

    def execute(self, query: str, variables: dict[str, Any], operation: str) -> dict[str, Any]:
        """Run one GraphQL operation; retry transport errors and 5xx answers.

        Raises:
            MonteCarloConnectionError: when every attempt failed to reach Monte Carlo or
                got a 5xx answer.
            MonteCarloRequestError: for GraphQL errors and 4xx answers (never retried).
        """
        from pycarlo.common.errors import GqlError
        from requests.exceptions import ConnectionError as TransportError
        from requests.exceptions import Timeout

        attempt = 0
        while True:
            try:
                response = self._client(
                    query,
                    variables=variables,
                    operation_name=operation,
                    retry_backoff=_no_retries(),
                    timeout_in_seconds=self._timeout,
                    additional_headers=TELEMETRY_HEADERS,
                )
                result: dict[str, Any] = response.to_dict() if response is not None else {}
                return result
            except GqlError as exc:
                if not exc.retryable:
                    raise MonteCarloRequestError(_gql_message(exc, operation)) from None
                failure = _gql_message(exc, operation)
            except (TransportError, Timeout) as exc:
                failure = f"{operation}: cannot reach {self._endpoint}: {type(exc).__name__}"
            if attempt >= self._retry.retries:
                raise MonteCarloConnectionError(
                    f"{failure} (gave up after {attempt + 1} attempts)"
                ) from None
            self._sleep(self._retry.delay(attempt))
            attempt += 1


def _pycarlo_client(credentials: MonteCarloCredentials) -> Any:
    try:
        from pycarlo.core import Client, Session
    except ImportError as exc:
        message = f"syncing rules to Monte Carlo needs pycarlo: {INSTALL_HINT}"
        raise MonteCarloError(message) from exc
    session = Session(
        mcd_id=credentials.api_id,
        mcd_token=credentials.api_token.get_secret_value(),
        endpoint=credentials.endpoint,
    )
    # pycarlo lets MCD_API_ENDPOINT (read when it was imported) win over the argument.
    session.endpoint = credentials.endpoint
    return Client(session=session)


def _no_retries() -> Any:
    from pycarlo.common.retries import Backoff

    # The retries are ours (RetryPolicy), so pycarlo's are off.
    class NoRetries(Backoff):  # type: ignore[misc]
        def backoff(self, attempt: int) -> float:
            return 0.0

        def delays(self) -> Any:
            return iter(())

    return NoRetries(0.0, 0.0)


def _gql_message(exc: Any, operation: str) -> str:
    status = getattr(exc, "status_code", 0)
    message = str(getattr(exc, "message", "") or exc).strip()
    if len(message) > 500:
        message = message[:500] + "..."
    if status and status != 200:
        return f"{operation}: Monte Carlo answered HTTP {status}: {message}"
    # pycarlo reports GraphQL errors, even those of a 4xx answer, with status 200.
    return f"{operation}: Monte Carlo refused the request: {message}"
