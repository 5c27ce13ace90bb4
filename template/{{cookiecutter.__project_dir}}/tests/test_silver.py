from datetime import datetime

import pytest
from chispa import assert_df_equality
from conftest import CUSTOMER_FILES

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


def test_build_customers_keeps_every_version_and_replays_without_change(spark, names):
    bronze.load_customers(spark, names, CUSTOMER_FILES)

    first = silver.build_customers(spark, names)
    replay = silver.build_customers(spark, names)

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
    table = spark.table(names.table_name("silver", silver.TABLE))
    assert_df_equality(table, expected, ignore_row_order=True, ignore_nullable=True)
    assert first.inserted == 5
    assert (replay.inserted, replay.updated, replay.deleted) == (0, 0, 0)
