"""The silver schema is a contract with everyone downstream: change it on purpose only."""

import pytest
from pyspark.sql.types import StructType

from {{ cookiecutter.package_name }}.transformations.silver import customers as silver

pytestmark = pytest.mark.unit


def columns(schema: StructType) -> list[tuple[str, str]]:
    return [(field.name, field.dataType.simpleString()) for field in schema.fields]


def test_silver_customers_table_has_exactly_the_contracted_columns(spark, pipeline_runs):
    table = spark.table(pipeline_runs.names.table_name("silver", silver.TABLE))

    expected = StructType.fromDDL(f"{silver.CONTRACT}, {silver.MAINTENANCE_COLUMNS}")
    assert columns(table.schema) == columns(expected)


def test_contract_names_the_keys_and_validity_columns():
    names = [name for name, _ in columns(StructType.fromDDL(silver.CONTRACT))]

    assert set(silver.KEYS) | {silver.SEQUENCE_BY, silver.VALID_FROM, silver.VALID_TO} <= set(names)
