"""Errors and warnings of the Monte Carlo rules and their sync.

None of them ever holds a credential: messages are built from names, namespaces and
what Monte Carlo answered, never from request headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from databricks_utils.observability.discovery import ImportFailure


class MonteCarloError(RuntimeError):
    """Syncing or exporting the rules failed; the message says why and what to do."""


class MonteCarloCredentialsError(MonteCarloError):
    """No usable Monte Carlo API key (id and token) was found."""


class MonteCarloConnectionError(MonteCarloError):
    """Monte Carlo could not be reached, or kept failing (5xx), after the retries."""


class MonteCarloRequestError(MonteCarloError):
    """Monte Carlo refused a request (GraphQL errors, or an HTTP 4xx such as bad credentials)."""


class MonteCarloValidationError(MonteCarloError):
    """Monte Carlo rejected the monitors' configuration.

    Attributes:
        problems: One line per problem, naming the monitor it concerns where Monte Carlo
            says which (``<monitor name>: <what is wrong>``).
    """

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = list(problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (str(self), self.problems)


class MonteCarloApplyError(MonteCarloError):
    """An apply failed; the message and ``namespace_state`` say what state the namespace is in.

    Attributes:
        namespace: The namespace being applied.
        namespace_state: ``"unchanged"`` (nothing was applied), ``"partially applied"``
            (Monte Carlo reports some changes applied) or ``"unknown"`` (the outcome could
            not be learned: run plan again to see).
    """

    def __init__(self, message: str, namespace: str, namespace_state: str):
        super().__init__(message)
        self.namespace = namespace
        self.namespace_state = namespace_state

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (str(self), self.namespace, self.namespace_state)


class SyncRefusedError(MonteCarloError):
    """A sync was refused before anything was sent or changed, and the message says why.

    Refused: modules that failed to import (their monitors would be deleted), applying
    no monitors to a namespace that has some, exporting no monitors, and deletes that
    were not confirmed.
    """


class MacExportError(MonteCarloError):
    """The monitors-as-code project cannot be written where asked."""


class RuleDiscoveryError(MonteCarloError):
    """Modules of the rules' package could not be imported.

    Attributes:
        failures: The modules that failed, with their errors.
    """

    def __init__(self, message: str, failures: list[ImportFailure]):
        super().__init__(message)
        self.failures = list(failures)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (str(self), self.failures)


class RuleImportWarning(UserWarning):
    """A module was skipped while looking for rules because it failed to import."""
