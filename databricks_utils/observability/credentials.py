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
API_KEY_ENV_VAR = "MC_API_KEY"


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


def split_api_key(key: str | SecretStr, where: str) -> tuple[str, SecretStr]:
    """``(id, token)`` of a Monte Carlo API key written ``<id>:<token>``.

    Raises:
        MonteCarloCredentialsError: naming ``where`` the key came from, never its value.

    Example:
        >>> split_api_key("key-id:s3cr3t", "api_key")
        ('key-id', SecretStr('**********'))
    """
    text = key.get_secret_value() if isinstance(key, SecretStr) else key
    key_id, colon, token = (text or "").strip().partition(":")
    if not colon or not key_id or not token:
        raise MonteCarloCredentialsError(
            f"{where} is not a Monte Carlo API key: a key is an id and a token, written "
            "'<id>:<token>' (the key id Monte Carlo shows beside the token, a colon, the "
            "token); or give them apart as api_id and api_token"
        )
    return key_id, SecretStr(token)


def resolve_credentials(
    api_id: str | None,
    api_token: str | SecretStr | None,
    endpoint: str | None,
    config: MonteCarloConfig | None,
    environ: Mapping[str, str] | None = None,
    *,
    api_key: str | SecretStr | None = None,
) -> MonteCarloCredentials:
    """The API key and endpoint, looked up as pycarlo does.

    The key (id and token, always from one place) comes from the arguments (``api_key``
    as ``<id>:<token>``, or ``api_id`` and ``api_token``), else the ``monte_carlo``
    config section (``api_key``, or ``api_id`` and ``api_token``), else
    ``MCD_DEFAULT_API_ID`` / ``MCD_DEFAULT_API_TOKEN``, else ``MC_API_KEY``
    (``<id>:<token>``). The endpoint is the argument, else
    ``MCD_API_ENDPOINT``, else the config's ``endpoint`` (default
    ``https://api.getmontecarlo.com/graphql``).

    Raises:
        MonteCarloCredentialsError: when only half a key is given somewhere, a key is
            not ``<id>:<token>``, or none is found; it names where it looked, never a value.
    """
    env = os.environ if environ is None else environ
    if api_key is not None:
        if api_id is not None or api_token is not None:
            raise MonteCarloCredentialsError(
                "give the Monte Carlo API key either as api_key ('<id>:<token>') or as "
                "api_id and api_token, not both"
            )
        api_id, api_token = split_api_key(api_key, "api_key")
    token = api_token.get_secret_value() if isinstance(api_token, SecretStr) else api_token
    config_id = config.api_id if config else None
    config_token = (
        config.api_token.get_secret_value() if config and config.api_token is not None else None
    )
    if config is not None and config.api_key is not None:
        config_id, secret = split_api_key(config.api_key, "monte_carlo.api_key")
        config_token = secret.get_secret_value()
    sources = [
        ("arguments", api_id, token, "api_id and api_token"),
        ("config", config_id, config_token, "monte_carlo.api_id/api_token"),
        (
            "environment",
            env.get(API_ID_ENV_VAR) or None,
            env.get(API_TOKEN_ENV_VAR) or None,
            f"{API_ID_ENV_VAR}/{API_TOKEN_ENV_VAR}",
        ),
    ]
    resolved_endpoint = (
        endpoint
        or env.get(ENDPOINT_ENV_VAR)
        or (config.endpoint if config else DEFAULT_MONTE_CARLO_ENDPOINT)
    )
    for source, key_id, key_token, names in sources:
        if (key_id is None) != (key_token is None):
            raise MonteCarloCredentialsError(
                f"Monte Carlo API keys are pairs: {names} must be set together "
                f"(only one of them is set in the {source})"
            )
        if key_id is not None and key_token is not None:
            return MonteCarloCredentials(key_id, SecretStr(key_token), resolved_endpoint, source)
    if env.get(API_KEY_ENV_VAR):
        key_id, secret = split_api_key(env[API_KEY_ENV_VAR], API_KEY_ENV_VAR)
        return MonteCarloCredentials(key_id, secret, resolved_endpoint, "environment")
    raise MonteCarloCredentialsError(
        "no Monte Carlo API key found: pass api_key ('<id>:<token>') or api_id and api_token, "
        "set monte_carlo.api_id and monte_carlo.api_token in the config, or set "
        f"{API_ID_ENV_VAR} and {API_TOKEN_ENV_VAR}, or {API_KEY_ENV_VAR} ('<id>:<token>')"
    )
