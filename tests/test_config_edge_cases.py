"""Hostile and surprising YAML, substitution and override input."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from databricks_utils.config import ConfigError, ConfigLoader, EnvironmentConfig
from databricks_utils.config.yaml_source import MAX_NODES
from databricks_utils.redaction import is_sensitive
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig


def problems(
    path: Path, env: str = "dev", **kwargs: object
) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(ConfigError) as info:
        ConfigLoader.load(env, path, **kwargs)  # type: ignore[arg-type]
    return [(p.key, p.line, p.message) for p in info.value.problems]


def test_control_characters_are_a_located_problem(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev='spark:\n  app_name: "a\x01b"\n')

    assert problems(path) == [
        (None, 2, "contains the character #x0001, which YAML does not allow in a file")
    ]


@pytest.mark.parametrize(
    ("value", "tag"),
    [("2024-02-30", "timestamp"), ("!!int abc", "int"), ("!!timestamp nope", "timestamp")],
)
def test_values_yaml_cannot_convert_are_located_problems(
    write_config: WriteConfig, value: str, tag: str
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev=f"spark:\n  app_name: {value}\n")

    assert problems(path) == [
        ("spark.app_name", 2, f"YAML cannot read this value as {tag}; quote it if it is text")
    ]


def test_recursive_aliases_are_refused(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="x-a: &a [1, *a]\n")

    assert problems(path) == [
        ("x-a[1]", 1, "an alias refers to a node that contains it (recursive)")
    ]


def test_alias_bombs_are_refused_quickly(write_config: WriteConfig) -> None:
    levels = ["x-l0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    for level in range(1, 8):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        levels.append(f"x-l{level}: &l{level} [{refs}]")
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="\n".join(levels) + "\n")

    [(_, _, message)] = problems(path)

    assert message == f"more than {MAX_NODES} values once aliases are expanded"


def test_keys_merged_with_yaml_merge_keys_are_checked_and_located(
    write_config: WriteConfig,
) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="""
        x-spark: &spark
          app_nmae: typo
        spark:
          <<: *spark
          master: local[2]
        """,
    )

    [(key, line, message)] = problems(path)

    assert (key, line) == ("spark.app_nmae", 3)
    assert message.startswith("unknown key; did you mean 'app_name'?")


def test_non_string_keys_inside_merge_keys_are_refused(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="<<: {1: a}\n")

    assert problems(path) == [
        (None, 1, "keys must be strings; quote the key '1' if it is meant as text")
    ]


@pytest.mark.parametrize("text", ["---\n", "null\n", "~\n", "# all commented out\n"])
def test_null_or_empty_documents_are_empty_layers(write_config: WriteConfig, text: str) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev=text)

    assert ConfigLoader.load("dev", path).spark.app_name == "customer_360"


def test_an_empty_section_gets_a_hint(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  # master: local[2]\n")

    assert problems(path) == [
        (
            "spark",
            1,
            "is empty: YAML reads 'spark:' with nothing below it as null; "
            "remove the key or write 'spark: {}'",
        )
    ]


def test_null_monte_carlo_section_disables_it(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS + "monte_carlo: {api_id: a, api_token: b}\n",
        local="monte_carlo:\n",
    )

    assert ConfigLoader.load("local", path).monte_carlo is None


@pytest.mark.parametrize("overrides", ["environment", ["spark"], 3])
def test_overrides_must_be_a_mapping(write_config: WriteConfig, overrides: object) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="")

    assert problems(path, overrides=overrides) == [
        (
            None,
            None,
            f"overrides must be a mapping of keys to values, got {type(overrides).__name__}",
        )
    ]


def test_variables_of_overridden_values_need_not_be_set(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBU_PROD_TOKEN", raising=False)
    monkeypatch.delenv("DBU_PROD_CATALOG", raising=False)
    path = write_config(
        defaults="""
        catalog: {name: "${DBU_PROD_CATALOG}", schema: customer_360}
        monte_carlo: {api_id: a, api_token: "${DBU_PROD_TOKEN}"}
        """,
        local="catalog: {name: spark_catalog}\nmonte_carlo: null\n",
    )

    cfg = ConfigLoader.load("local", path)

    assert (cfg.catalog.name, cfg.monte_carlo) == ("spark_catalog", None)


def test_substituted_values_are_not_parsed_again(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBU_TRICKY", "a: b # c, [d]")
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  app_name: ${DBU_TRICKY}\n")

    assert ConfigLoader.load("dev", path).spark.app_name == "a: b # c, [d]"


def test_invalid_references_never_echo_their_default(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="monte_carlo:\n  api_id: a\n  api_token: '${MCD-TOKEN:-hunter2-secret}'\n",
    )

    [(key, line, message)] = problems(path)

    assert (key, line) == ("monte_carlo.api_token", 3)
    assert message.startswith("invalid reference: use ${NAME} or ${NAME:-default}")
    assert "hunter2" not in message


def test_nested_references_in_defaults_are_refused(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  app_name: ${A:-${B}}\n")

    assert problems(path) == [
        (
            "spark.app_name",
            2,
            "the default of ${A:-...} cannot contain '${': nesting is not supported",
        )
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0755", "0755 as '493'"),
        ("1:30", "1:30 as '90'"),
        ("1.10", "1.10 as '1.1'"),
        ("yes", "yes as 'true'"),
        ("1.0e+6", "1.0e+6 as '1000000.0'"),
    ],
)
def test_spark_values_yaml_would_change_must_be_quoted(
    write_config: WriteConfig, value: str, shown: str
) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS, dev=f"spark:\n  config:\n    some.setting: {value}\n"
    )

    assert problems(path) == [
        (
            'spark.config."some.setting"',
            3,
            f"YAML reads {shown}, not as written; quote it to pass it to Spark unchanged",
        )
    ]


def test_changed_sensitive_spark_values_are_not_echoed(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS, dev="spark:\n  config:\n    fs.s3a.secret.key: 0123\n"
    )

    [(_, _, message)] = problems(path)

    assert (
        message == "YAML reads this value, not as written; quote it to pass it to Spark unchanged"
    )


def test_plain_values_spark_reads_the_same_pass(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="spark:\n  config:\n    a: True\n    b: 10\n    c: 0.25\n    d: 2024-01-31\n",
    )

    config = ConfigLoader.load("dev", path).spark.config

    assert [config[k] for k in "abcd"] == ["true", "10", "0.25", "2024-01-31"]


def test_naming_with_env_placeholder_is_checked_with_the_real_environment(
    write_config: WriteConfig,
) -> None:
    path = write_config(
        defaults=(
            "catalog:\n  name: analytics\n  schema: s\n  naming: '{env}.{schema}_{layer}.{table}'\n"
        ),
        sysdev="",
    )

    [(key, line, message)] = problems(path, "sysdev")

    assert (key, line) == ("catalog", 1)
    assert message.startswith("invalid catalog name 'sysdev': catalog names starting with 'sys'")


def test_environment_is_validated_when_built_in_code() -> None:
    with pytest.raises(ValueError, match=r"environment\n  String should match pattern"):
        EnvironmentConfig(environment="Dev-1", catalog={"name": "c", "schema": "s"})


def test_problems_are_ordered_by_layer_then_line(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS + "colour: red\n", ci="spark:\n  mastr: x\n")

    assert [key for key, _, _ in problems(path, "ci", overrides={"zz": 1})] == [
        "colour",
        "spark.mastr",
        "zz",
    ]


@pytest.mark.parametrize("uri", ["file:///tmp/wh", "s3://bucket/wh", "dbfs:/wh"])
def test_uris_are_not_anchored_at_the_project_root(write_config: WriteConfig, uri: str) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, local=f"spark:\n  warehouse_dir: '{uri}'\n")

    assert ConfigLoader.load("local", path).spark.warehouse_dir == uri


def test_home_is_expanded(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, local="spark:\n  jars_dir: ~/jars\n")

    assert ConfigLoader.load("local", path).spark.jars_dir == str(Path.home() / "jars")


def test_config_error_survives_pickling(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  mastr: x\n")
    with pytest.raises(ConfigError) as info:
        ConfigLoader.load("dev", path)

    copy = pickle.loads(pickle.dumps(info.value))

    assert (str(copy), copy.problems) == (str(info.value), info.value.problems)


@pytest.mark.parametrize(
    "key",
    [
        "spark.hadoop.fs.gs.auth.service.account.private.key",
        "fs.azure.sas.container.account.blob.core.windows.net",
        "fs.s3a.encryption.key",
        "spark.myservice.api_key",
        "fs.azure.account.key.acct.dfs.core.windows.net",
        "spark.hadoop.fs.s3a.secret.key",
        "spark.databricks.token",
    ],
)
def test_sensitive_keys(key: str) -> None:
    assert is_sensitive(key)


@pytest.mark.parametrize(
    "key", ["spark.sql.shuffle.partitions", "spark.sql.sources.partitionOverwriteMode"]
)
def test_ordinary_keys_are_not_sensitive(key: str) -> None:
    assert not is_sensitive(key)
