"""Every way a configuration can be wrong gives a ConfigError naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from databricks_utils.config import CONFIG_DIR_ENV_VAR, ConfigError, ConfigLoader, ConfigProblem
from tests.conftest import MINIMAL_DEFAULTS, WriteConfig


def load_error(path: Path, env: str = "dev", **kwargs: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        ConfigLoader.load(env, path, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_unknown_nested_key_names_file_line_key_and_suggests(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  app_nmae: x\n")

    error = load_error(path)

    assert error.problems == [
        ConfigProblem(
            error.problems[0].source,
            "spark.app_nmae",
            "unknown key; did you mean 'app_name'? valid keys here: app_name, master, config, "
            "jars_dir, warehouse_dir, databricks_connect, remote",
            line=2,
            column=3,
        )
    ]
    assert error.problems[0].source is not None
    assert error.problems[0].source.endswith("config/dev.yaml")
    assert "dev.yaml:2:3: spark.app_nmae: unknown key; did you mean 'app_name'?" in str(error)


def test_unknown_top_level_and_deep_keys_are_all_reported(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="""
        colour: blue
        spark:
          databricks_connect:
            profil: dev
        catalog:
          naem: x
        """,
    )

    error = load_error(path)

    assert [(p.key, p.line) for p in error.problems] == [
        ("colour", 2),
        ("spark.databricks_connect.profil", 5),
        ("catalog.naem", 7),
    ]
    assert "(3 problems)" in str(error)


def test_wrong_types_name_key_and_hint_at_yaml_coercion(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="""
        spark:
          app_name: no
          master: 4
          config:
            nested: {a: 1}
        """,
    )

    messages = {p.key: (p.line, p.message) for p in load_error(path).problems}

    assert messages == {
        "spark.app_name": (
            3,
            "Input should be a valid string; YAML read this value as a boolean "
            "(yes/no/on/off/true/false): quote it to keep it as text",
        ),
        "spark.master": (
            4,
            "Input should be a valid string; YAML read this value as a number: "
            "quote it to keep it as text",
        ),
        "spark.config.nested": (
            6,
            "a Spark setting must be a single value (string, number or boolean)",
        ),
    }


def test_yaml_syntax_error_gives_file_line_and_column(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  app_name: [1, 2\ncatalog: x\n")

    error = load_error(path)

    assert len(error.problems) == 1
    problem = error.problems[0]
    assert (problem.line, problem.column) == (3, 8)
    assert problem.message.startswith("YAML syntax error: expected ',' or ']'")
    assert "dev.yaml:3:8: YAML syntax error" in str(error)


def test_duplicate_keys_are_refused_with_both_lines(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        dev="""
        spark:
          config:
            spark.sql.shuffle.partitions: 4
            spark.sql.shuffle.partitions: 8
        """,
    )

    [problem] = load_error(path).problems

    assert problem.key == 'spark.config."spark.sql.shuffle.partitions"'
    assert problem.line == 5
    assert problem.message.startswith("duplicate key (first defined at line 4)")


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "a list"), ("just text\n", "a single value")]
)
def test_top_level_must_be_a_mapping(write_config: WriteConfig, text: str, kind: str) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev=text)

    [problem] = load_error(path).problems

    assert problem.message == f"the top level must be a mapping of keys to values, got {kind}"
    assert problem.source is not None
    assert problem.source.endswith("dev.yaml")
    assert problem.line == 1


def test_non_string_keys_are_refused(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="spark:\n  config:\n    on: 1\n")

    [problem] = load_error(path).problems

    assert (problem.key, problem.line) == ("spark.config", 3)
    assert problem.message == "keys must be strings; quote the key 'on' if it is meant as text"


def test_unset_variable_names_variable_key_and_file(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBU_MISSING_TOKEN", raising=False)
    path = write_config(
        defaults=MINIMAL_DEFAULTS,
        prod="monte_carlo:\n  api_id: abc\n  api_token: ${DBU_MISSING_TOKEN}\n",
    )

    error = load_error(path, "prod")

    assert [(p.key, p.line) for p in error.problems] == [("monte_carlo.api_token", 3)]
    assert error.problems[0].message == (
        "environment variable DBU_MISSING_TOKEN is not set "
        "(set it, or give a default: ${DBU_MISSING_TOKEN:-default})"
    )
    assert "prod.yaml:3:3: monte_carlo.api_token: environment variable DBU_MISSING_TOKEN" in str(
        error
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("${UNCLOSED", "unterminated '${' (write '$${' for a literal '${')"),
        ("${1BAD}", "invalid reference: use ${NAME} or ${NAME:-default} with NAME made of letters"),
    ],
)
def test_malformed_references_are_errors(
    write_config: WriteConfig, value: str, message: str
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev=f"spark:\n  app_name: '{value}'\n")

    [problem] = load_error(path).problems

    assert problem.key == "spark.app_name"
    assert problem.message.startswith(message)


def test_all_problems_of_a_load_come_in_one_error(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBU_NOPE", raising=False)
    path = write_config(
        defaults=MINIMAL_DEFAULTS + "colour: red\n",
        dev="spark:\n  master: ${DBU_NOPE}\n  app_nmae: x\nenvironment: prod\n",
    )

    error = load_error(path)

    assert [(Path(p.source or "").name, p.key) for p in error.problems] == [
        ("defaults.yaml", "colour"),
        ("dev.yaml", "spark.master"),
        ("dev.yaml", "spark.app_nmae"),
        ("dev.yaml", "environment"),
    ]


def test_unknown_environment_lists_the_ones_found(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="", prod="", lab="")

    error = load_error(path, "qa")

    assert [p.message for p in error.problems] == [
        "unknown environment 'qa': no qa.yaml; environments found: dev, lab, prod"
    ]


def test_env_file_with_yml_suffix_gets_a_hint(write_config: WriteConfig, config_dir: Path) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS)
    (config_dir / "qa.yml").write_text("", encoding="utf-8")

    error = load_error(path, "qa")

    assert "no qa.yaml (found qa.yml: rename it to qa.yaml)" in str(error)


@pytest.mark.parametrize("env", ["Prod", "", "../dev", "dev.yaml"])
def test_invalid_environment_names_are_refused(write_config: WriteConfig, env: str) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="", prod="")

    error = load_error(path, env)

    assert error.problems[0].message == (
        f"invalid environment name {env!r}: names are lower-case letters, digits and '_'; "
        "environments found: dev, prod"
    )


def test_without_defaults_yaml_a_missing_key_is_asked_of_the_environment_file(
    write_config: WriteConfig,
) -> None:
    path = write_config(dev="")

    error = load_error(path)

    assert [(p.key, p.message) for p in error.problems] == [
        ("catalog", "required key is missing; set it in dev.yaml")
    ]


def test_a_defaults_yml_typo_is_not_ignored(write_config: WriteConfig) -> None:
    path = write_config(dev=MINIMAL_DEFAULTS)
    (path / "defaults.yml").write_text("catalog: {name: x, schema: y}\n")

    error = load_error(path)

    assert [p.message for p in error.problems] == [
        "defaults.yml is not read: rename it to defaults.yaml"
    ]


def test_environment_key_disagreeing_with_file_name(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="\nenvironment: prod\n")

    [problem] = load_error(path).problems

    assert (problem.key, problem.line) == ("environment", 2)
    assert problem.message == (
        "disagrees with the environment being loaded ('dev'); remove it or set it to 'dev'"
    )


def test_environment_key_in_defaults_is_refused(write_config: WriteConfig) -> None:
    path = write_config(defaults="environment: dev\n" + MINIMAL_DEFAULTS, dev="")

    [problem] = load_error(path).problems

    assert (
        problem.message == "the environment comes from the file name; remove it from defaults.yaml"
    )


def test_missing_required_key(write_config: WriteConfig) -> None:
    path = write_config(defaults="catalog:\n  schema: customer_360\n", dev="")

    [problem] = load_error(path).problems

    assert (problem.key, problem.line) == ("catalog.name", 1)
    assert problem.message == "required key is missing; set it in defaults.yaml or dev.yaml"


def test_override_errors_name_the_overrides(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="")

    [problem] = load_error(path, overrides={"spark": {"mastr": "local"}}).problems

    assert (problem.source, problem.key, problem.line) == ("overrides", "spark.mastr", None)


def test_invalid_catalog_names_are_refused_at_load(write_config: WriteConfig) -> None:
    path = write_config(
        defaults="catalog:\n  name: sys_analytics\n  schema: customer-360\n", dev=""
    )

    messages = {p.key: p.message for p in load_error(path).problems}

    assert messages == {
        "catalog.name": "invalid catalog name 'sys_analytics': catalog names starting with 'sys' "
        "or 'databricks' are reserved by Databricks — try 'my_sys_analytics'",
        "catalog.schema": "invalid schema name 'customer-360': contains a hyphen (allowed by Unity "
        "Catalog only inside backticks); names must match [a-z_][a-z0-9_]* — try 'customer_360'",
    }


def test_invalid_naming_convention_is_refused_at_load(write_config: WriteConfig) -> None:
    path = write_config(
        defaults=MINIMAL_DEFAULTS, dev="catalog:\n  naming: '{catalog}.{schema}.{table}'\n"
    )

    [problem] = load_error(path).problems

    assert (problem.key, problem.line) == ("catalog.naming", 2)
    assert problem.message == (
        "naming '{catalog}.{schema}.{table}': '{layer}' must appear somewhere, "
        "or bronze, silver and gold tables would share names"
    )


def test_monte_carlo_keys_are_pairs(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="monte_carlo:\n  api_id: abc\n")

    [problem] = load_error(path).problems

    assert (problem.key, problem.message) == (
        "monte_carlo",
        "api_id and api_token are a pair: set both or neither",
    )


@pytest.mark.parametrize(
    ("monte_carlo", "message"),
    [
        (
            "  api_key: only-the-S3CR3T-token\n",
            "api_key must be the key id and its token as '<id>:<token>' (the value is not shown)",
        ),
        (
            "  api_key: key-id:S3CR3T\n  api_id: key-id\n  api_token: S3CR3T\n",
            "give api_key ('<id>:<token>') or api_id and api_token, not both",
        ),
    ],
)
def test_monte_carlo_api_key_is_one_id_token_pair(
    write_config: WriteConfig, monte_carlo: str, message: str
) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="monte_carlo:\n" + monte_carlo)

    error = load_error(path)

    assert [(p.key, p.message) for p in error.problems] == [("monte_carlo", message)]
    assert "S3CR3T" not in str(error)


def test_no_config_directory_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_DIR_ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)

    with pytest.raises(
        ConfigError,
        match=r"no config directory found: looked for config/defaults.yaml or config/dev.yaml in",
    ):
        ConfigLoader.load("dev")


def test_config_dir_env_var_pointing_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_DIR_ENV_VAR, str(tmp_path / "missing"))

    with pytest.raises(ConfigError, match=r"\(\$DATABRICKS_UTILS_CONFIG_DIR\) does not exist"):
        ConfigLoader.load("dev")


def test_config_path_that_is_another_environments_file(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="", prod="")

    with pytest.raises(ConfigError) as info:
        ConfigLoader.load("dev", path / "prod.yaml")

    assert [p.message for p in info.value.problems] == [
        f"config path {path / 'prod.yaml'} is a file, not the config directory holding the "
        f"<env>.yaml files; pass the directory ({path}) or the file of the environment being "
        f"loaded ({path / 'dev.yaml'})"
    ]


def test_config_path_may_be_the_environments_own_file(write_config: WriteConfig) -> None:
    path = write_config(defaults=MINIMAL_DEFAULTS, dev="")

    assert ConfigLoader.load("dev", path / "dev.yaml") == ConfigLoader.load("dev", path)
