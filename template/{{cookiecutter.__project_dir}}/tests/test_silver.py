from datetime import datetime

import pytest
from chispa import assert_df_equality

from {{ cookiecutter.package_name }}.transformations.bronze import customers as bronze
from {{ cookiecutter.package_name }}.transformations.silver import customers as silver

pytestmark = pytest.mark.unit

NINE, TEN, ELEVEN = datetime(2024, 1, 1, 9), datetime(2024, 1, 2, 10), datetime(2024, 1, 2, 11)


def test_clean_customers_tidies_values_and_keeps_each_update_once(spark):
    raw = spark.createDataFrame(
        [
            (1, " Ada Lovelace", " ADA@Example.com ", "gb", NINE, "a.csv"),
            (1, " Ada Lovelace", " ADA@Example.com ", "gb", NINE, "b.csv"),
            (1, "Ada Lovelace", "ada@example.com", "FR", TEN, "b.csv"),
            (None, "Nobody", "nobody@example.com", "US", NINE, "a.csv"),
            (2, "No Time", "no.time@example.com", "US", None, "a.csv"),
        ],
        f"{bronze.RAW_SCHEMA}, {bronze.SOURCE_FILE} STRING",
    )

    expected = spark.createDataFrame(
        [
            (1, "Ada Lovelace", "ada@example.com", "GB", NINE),
            (1, "Ada Lovelace", "ada@example.com", "FR", TEN),
        ],
        bronze.RAW_SCHEMA,
    )
    assert_df_equality(
        silver.clean_customers(raw), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_silver_keeps_every_version_and_a_replay_changes_nothing(spark, pipeline_runs):
    first, second = pipeline_runs.first[1], pipeline_runs.second[1]

    expected = spark.createDataFrame(
        [
            (1, "Ada Lovelace", "ada@example.com", "GB", NINE, NINE, None),
            (2, "Grace Hopper", "grace@example.com", "US", NINE, NINE, None),
            (3, "Alan Turing", "alan@example.com", "GB", NINE, NINE, TEN),
            (3, "Alan Turing", "alan@example.com", "US", TEN, TEN, None),
            (4, "Katherine Johnson", "katherine@example.com", "US", ELEVEN, ELEVEN, None),
        ],
        silver.CONTRACT,
    )
    table = spark.table(pipeline_runs.names.table_name("silver", silver.TABLE))
    assert_df_equality(
        table.select(*expected.columns), expected, ignore_row_order=True, ignore_nullable=True
    )
    assert (first.layer, first.merge.inserted) == ("silver", 5)
    assert (second.merge.inserted, second.merge.updated, second.merge.deleted) == (0, 0, 0)
