"""Secrets never appear in a repr, str, dump, error message or CLI output."""

from __future__ import annotations

import pytest

from databricks_utils.cli import main
from databricks_utils.config import ConfigError, ConfigLoader
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig

TOKEN = "mcd-token-S3CR3T-0123456789"
STORAGE_KEY = "azure-account-key-S3CR3T"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBU_TEST_MC_TOKEN", TOKEN)
    monkeypatch.setenv("DBU_TEST_STORAGE_KEY", STORAGE_KEY)


SECRET_CONFIG = """
monte_carlo:
  api_id: my-key-id
  api_token: ${DBU_TEST_MC_TOKEN}
spark:
  config:
    fs.azure.account.key.acct.dfs.core.windows.net: ${DBU_TEST_STORAGE_KEY}
"""


@pytest.mark.usefixtures("secret_env")
def test_secrets_are_masked_in_repr_str_and_dump(write_config: WriteConfig) -> None:
    cfg = ConfigLoader.load("prod", write_config(defaults=MINIMAL_DEFAULTS, prod=SECRET_CONFIG))

    assert cfg.monte_carlo is not None
    assert cfg.monte_carlo.api_token is not None
    assert cfg.monte_carlo.api_token.get_secret_value() == TOKEN
    assert cfg.spark.config["fs.azure.account.key.acct.dfs.core.windows.net"] == STORAGE_KEY
    for text in (repr(cfg), str(cfg), repr(cfg.spark), cfg.model_dump_json()):
        assert TOKEN not in text
    for text in (repr(cfg), str(cfg), repr(cfg.spark)):
        assert STORAGE_KEY not in text
        assert "**********" in text


@pytest.mark.usefixtures("secret_env")
def test_secret_of_the_wrong_type_is_not_echoed_in_the_error(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        prod="monte_carlo:\n  api_id: k\n  api_token: [9876543210, 'S3CR3T']\n",
    )

    with pytest.raises(ConfigError) as info:
        ConfigLoader.load("prod", path)

    message = str(info.value)
    assert "monte_carlo.api_token: Input should be a valid string" in message
    assert "9876543210" not in message
    assert "S3CR3T" not in message


@pytest.mark.usefixtures("secret_env")
def test_secret_on_a_yaml_syntax_error_line_is_not_echoed(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        prod="monte_carlo:\n  api_token: 'S3CR3T-unclosed\n",
    )

    with pytest.raises(ConfigError) as info:
        ConfigLoader.load("prod", path)

    assert "S3CR3T" not in str(info.value)
    assert "YAML syntax error" in str(info.value)


@pytest.mark.usefixtures("secret_env")
def test_config_show_masks_secrets(
    write_config: WriteConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, prod=SECRET_CONFIG)

    assert main(["config", "show", "--env", "prod", "--path", str(path)]) == 0

    out = capsys.readouterr().out
    assert TOKEN not in out
    assert STORAGE_KEY not in out
    assert "api_token: '**********'" in out
    assert "fs.azure.account.key.acct.dfs.core.windows.net: '**********'" in out
    assert "api_id: my-key-id" in out
