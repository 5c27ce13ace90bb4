"""Where the Monte Carlo API key and endpoint come from."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from databricks_utils.config.models import DEFAULT_MONTE_CARLO_ENDPOINT, MonteCarloConfig
from databricks_utils.observability.errors import MonteCarloCredentialsError

API_ID_ENV_VAR = "MCD_DEFAULT_API_ID"
API_TOKEN_ENV_VAR = "MCD_DEFAULT_API_TOKEN"
ENDPOINT_ENV_VAR = "MCD_API_ENDPOINT"


@dataclass(frozen=True)
class MonteCarloCredentials:
    """A Monte Carlo API key (id and secret token) and the endpoint to use it with.

    The token is a `SecretStr`: ``repr`` and ``str`` show ``**********``.

    Example:
        >>> MonteCarloCredentials("key-id", SecretStr("s3cr3t"), "https://example.invalid")
        MonteCarloCredentials(api_id='key-id', api_token=SecretStr('**********'), ...)
    """

    api_id: str
    api_token: SecretStr
    endpoint: str
    source: str = "arguments"


def resolve_credentials(
    api_id: str | None,
    api_token: str | SecretStr | None,
    endpoint: str | None,
    config: MonteCarloConfig | None,
    environ: Mapping[str, str] | None = None,
) -> MonteCarloCredentials:
    """The API key and endpoint, looked up as pycarlo does.

    The key (id and token, always from one place) comes from the arguments, else the
    ``monte_carlo`` config section, else ``MCD_DEFAULT_API_ID`` / ``MCD_DEFAULT_API_TOKEN``.
    The endpoint is the argument, else ``MCD_API_ENDPOINT``, else the config's
    ``endpoint`` (default ``https://api.getmontecarlo.com/graphql``).

    Raises:
        MonteCarloCredentialsError: when only half a key is given somewhere, or none is
            found; it names where it looked, never a value.
    """
    env = os.environ if environ is None else environ
    token = api_token.get_secret_value() if isinstance(api_token, SecretStr) else api_token
    config_token = (
        config.api_token.get_secret_value() if config and config.api_token is not None else None
    )
    sources = [
        ("arguments", api_id, token, "api_id and api_token"),
        ("config", config.api_id if config else None, config_token, "monte_carlo.api_id/api_token"),
        (
            "environment",
            env.get(API_ID_ENV_VAR) or None,
            env.get(API_TOKEN_ENV_VAR) or None,
            f"{API_ID_ENV_VAR}/{API_TOKEN_ENV_VAR}",
        ),
    ]
    for source, key_id, key_token, names in sources:
        if (key_id is None) != (key_token is None):
            raise MonteCarloCredentialsError(
                f"Monte Carlo API keys are pairs: {names} must be set together "
                f"(only one of them is set in the {source})"
            )
        if key_id is not None and key_token is not None:
            resolved_endpoint = (
                endpoint
                or env.get(ENDPOINT_ENV_VAR)
                or (config.endpoint if config else DEFAULT_MONTE_CARLO_ENDPOINT)
            )
            return MonteCarloCredentials(key_id, SecretStr(key_token), resolved_endpoint, source)
    raise MonteCarloCredentialsError(
        "no Monte Carlo API key found: pass api_id and api_token, set monte_carlo.api_id and "
        f"monte_carlo.api_token in the config, or set {API_ID_ENV_VAR} and {API_TOKEN_ENV_VAR}"
    )
