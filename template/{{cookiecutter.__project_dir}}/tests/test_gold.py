from datetime import datetime

import pytest
from chispa import assert_df_equality

from {{ cookiecutter.package_name }}.transformations.gold import (
    customers_by_country as gold,
)
from {{ cookiecutter.package_name }}.transformations.silver import customers as silver

pytestmark = pytest.mark.unit

NINE, TEN = datetime(2024, 1, 1, 9), datetime(2024, 1, 2, 10)
GOLD_COLUMNS = "country STRING, customers BIGINT"


def test_customers_by_country_counts_current_versions_only(spark):
    history = spark.createDataFrame(
        [
            (1, "Ada Lovelace", "ada@example.com", "GB", NINE, NINE, None),
            (3, "Alan Turing", "alan@example.com", "GB", NINE, NINE, TEN),
            (3, "Alan Turing", "alan@example.com", "US", TEN, TEN, None),
        ],
        silver.CONTRACT,
    )

    expected = spark.createDataFrame([("GB", 1), ("US", 1)], GOLD_COLUMNS)
    assert_df_equality(
        gold.customers_by_country(history), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_gold_table_counts_the_current_customers_per_country(spark, pipeline_runs):
    table = spark.table(pipeline_runs.names.table_name("gold", gold.TABLE))

    expected = spark.createDataFrame([("GB", 1), ("US", 3)], GOLD_COLUMNS)
    assert_df_equality(table, expected, ignore_row_order=True, ignore_nullable=True)
