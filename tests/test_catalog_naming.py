"""Unity Catalog names: conventions, identifier rules and quoting."""

from __future__ import annotations

import pytest

from databricks_utils.catalog import (
    CatalogHelper,
    Layer,
    NamingConvention,
    NamingError,
    quote_identifier,
    validate_identifier,
)
from databricks_utils.config import EnvironmentConfig


def helper(
    naming: str | None = None,
    name: str = "dev_analytics",
    schema: str = "customer_360",
    env: str = "dev",
) -> CatalogHelper:
    catalog = {"name": name, "schema": schema}
    if naming is not None:
        catalog["naming"] = naming
    return CatalogHelper(EnvironmentConfig(environment=env, catalog=catalog))


def test_default_convention() -> None:
    names = helper()

    assert (
        names.table_name("bronze", "raw_customers")
        == "dev_analytics.customer_360_bronze.raw_customers"
    )
    assert (
        names.table_name(Layer.GOLD, "customer_360")
        == "dev_analytics.customer_360_gold.customer_360"
    )
    assert names.schema_name("silver") == "dev_analytics.customer_360_silver"
    assert names.catalog_name("silver") == "dev_analytics"


def test_catalog_and_schema_prefix_are_read_only_properties() -> None:
    names = helper("{env}_{catalog}.{schema}_{layer}.{table}", name="analytics")

    assert (names.catalog, names.schema_prefix) == ("analytics", "customer_360")
    for attribute in ("catalog", "schema_prefix"):
        with pytest.raises(AttributeError, match="has no setter"):
            setattr(names, attribute, "other")
    assert names.catalog_name("gold") == "dev_analytics"  # the convention builds the catalog


def test_catalog_per_environment_layout_with_layers_as_schemas() -> None:
    names = helper("{catalog}.{layer}.{schema}_{table}", name="dev", schema="member")

    assert names.table_name("bronze", "raw") == "dev.bronze.member_raw"
    assert names.schema_name("bronze") == "dev.bronze"


def test_env_placeholder_builds_env_prefixed_catalogs() -> None:
    names = helper("{env}_{catalog}.{schema}_{layer}.{table}", name="analytics", env="prod")

    assert names.table_name("silver", "customers") == "prod_analytics.customer_360_silver.customers"


def test_the_design_documents_placeholders_environment_and_project() -> None:
    naming = "{environment}_{catalog}.{project}_{layer}.{table}"
    catalog = {"name": "analytics", "schema": "customer_360", "naming": naming}

    without_project = CatalogHelper(EnvironmentConfig(environment="dev", catalog=catalog))
    with_project = CatalogHelper(
        EnvironmentConfig(environment="lab", project="crm", catalog=catalog)
    )

    assert without_project.table_name("bronze", "raw") == "dev_analytics.customer_360_bronze.raw"
    assert with_project.table_name("gold", "clv") == "lab_analytics.crm_gold.clv"


def test_local_names_use_the_session_catalog() -> None:
    names = helper(name="spark_catalog")

    assert names.table_name("silver", "customers") == "spark_catalog.customer_360_silver.customers"


def test_quoted_names_for_sql() -> None:
    names = helper()

    assert names.quoted_table_name("gold", "order") == "`dev_analytics`.`customer_360_gold`.`order`"
    assert names.quoted_schema_name("bronze") == "`dev_analytics`.`customer_360_bronze`"
    assert quote_identifier("we`ird") == "`we``ird`"


def test_table_names_are_lower_cased() -> None:
    assert (
        helper().table_name("bronze", "Raw_Customers")
        == "dev_analytics.customer_360_bronze.raw_customers"
    )


def test_volume_paths() -> None:
    names = helper()

    assert (
        names.volume_path("bronze", "landing")
        == "/Volumes/dev_analytics/customer_360_bronze/landing"
    )
    assert (
        names.volume_path("bronze", "Landing", "2024/01", "Customers.CSV")
        == "/Volumes/dev_analytics/customer_360_bronze/landing/2024/01/Customers.CSV"
    )


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("../other",), "volume path part '../other' has an empty, '.' or '..' segment"),
        (("a//b",), "volume path part 'a//b' has an empty, '.' or '..' segment"),
        (("/etc/passwd",), "volume path part '/etc/passwd' is absolute"),
        (("a\nb",), "volume path part 'a\\nb' contains a control character"),
    ],
)
def test_volume_path_parts_stay_inside_the_volume(parts: tuple[str, ...], message: str) -> None:
    with pytest.raises(NamingError) as info:
        helper().volume_path("bronze", "landing", *parts)

    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        (
            "customer-360",
            "table",
            "invalid table name 'customer-360': contains a hyphen (allowed by Unity Catalog only "
            "inside backticks); names must match [a-z_][a-z0-9_]* — try 'customer_360'",
        ),
        (
            "raw customers",
            "table",
            "invalid table name 'raw customers': contains a space; names must match "
            "[a-z_][a-z0-9_]* — try 'raw_customers'",
        ),
        (
            "a.b",
            "table",
            "invalid table name 'a.b': contains a '.' (it separates catalog, schema and table); "
            "names must match [a-z_][a-z0-9_]* — try 'a_b'",
        ),
        (
            "a/b",
            "volume",
            "invalid volume name 'a/b': contains a '/'; names must match [a-z_][a-z0-9_]* "
            "— try 'a_b'",
        ),
        (
            "x`; DROP TABLE y; --",
            "table",
            "invalid table name 'x`; DROP TABLE y; --': contains a space; names must match "
            "[a-z_][a-z0-9_]* — try 'x_drop_table_y'",
        ),
        (
            "tab\tle",
            "table",
            "invalid table name 'tab\\tle': contains the control character '\\t'; names must "
            "match [a-z_][a-z0-9_]* — try 'tab_le'",
        ),
        (
            "360_customers",
            "table",
            "invalid table name '360_customers': starts with a digit; names must match "
            "[a-z_][a-z0-9_]* — try '_360_customers'",
        ),
        (
            "kunden_ä",
            "table",
            "invalid table name 'kunden_ä': contains non-ASCII characters; names must match "
            "[a-z_][a-z0-9_]* — try 'kunden_a'",
        ),
        ("", "table", "table name is empty; names must match [a-z_][a-z0-9_]*"),
        (
            "\u212aunden",
            "table",
            "invalid table name '\u212aunden': contains non-ASCII characters; names must match "
            "[a-z_][a-z0-9_]* — try 'kunden'",
        ),
        (
            "databricks_internal",
            "catalog",
            "invalid catalog name 'databricks_internal': catalog names starting with 'sys' or "
            "'databricks' are reserved by Databricks — try 'my_databricks_internal'",
        ),
        (
            "Information_Schema",
            "schema",
            "invalid schema name 'Information_Schema': 'information_schema' is reserved by "
            "Databricks (reserved: builtin, information_schema, session) — try "
            "'my_information_schema'",
        ),
    ],
)
def test_identifier_rules(name: str, kind: str, message: str) -> None:
    with pytest.raises(NamingError) as info:
        validate_identifier(name, kind=kind)  # type: ignore[arg-type]

    assert str(info.value) == message


def test_identifier_length_limit() -> None:
    assert validate_identifier("a" * 255) == "a" * 255
    with pytest.raises(
        NamingError, match=r": 256 characters, Unity Catalog allows at most 255 — shorten it$"
    ):
        validate_identifier("a" * 256, kind="table")


def test_composed_schema_longer_than_255_is_refused() -> None:
    with pytest.raises(ValueError, match=r"invalid schema name 'a{40}\.\.\.': 262 characters"):
        helper(schema="a" * 255)


def test_table_name_errors_name_the_table() -> None:
    with pytest.raises(NamingError, match=r"^invalid table name 'raw-customers'"):
        helper().table_name("bronze", "raw-customers")


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("platinum", "unknown layer 'platinum'; valid layers: bronze, silver, gold"),
        (
            "Bronze",
            "unknown layer 'Bronze' (did you mean 'bronze'?); valid layers: bronze, silver, gold",
        ),
        (3, "layer must be a string, got int; valid layers: bronze, silver, gold"),
    ],
)
def test_unknown_layer_lists_the_valid_ones(layer: object, message: str) -> None:
    with pytest.raises(NamingError) as info:
        helper().table_name(layer, "t")  # type: ignore[arg-type]

    assert str(info.value) == message


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{catalog}.{schema}_{layer}",
            "must have three dot-separated parts (catalog.schema.table), got 2",
        ),
        (
            "{catalog}.{schema}_{layer}.x",
            "'{table}' must appear in the table part (the last) and only there",
        ),
        (
            "{table}.{layer}.{table}",
            "'{table}' must appear in the table part (the last) and only there",
        ),
        ("{catalog}.{schema}.{table}", "'{layer}' must appear somewhere"),
        (
            "{catalog}.{domain}_{layer}.{table}",
            "unknown placeholder '{domain}' in the schema part",
        ),
        ("{catalog}.{schema}-{layer}.{table}", "the schema part has literal text '-'"),
        ("{catalog}..{layer}_{table}", "the schema part is empty"),
        ("{catalog}.{schema!r}_{layer}.{table}", "format specs and conversions are not allowed"),
    ],
)
def test_naming_convention_validation(template: str, message: str) -> None:
    with pytest.raises(NamingError) as info:
        NamingConvention.parse(template)

    assert message in str(info.value)
    assert repr(template) in str(info.value)
