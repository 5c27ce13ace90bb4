from datetime import datetime

import pytest
from chispa import assert_df_equality
from conftest import CUSTOMER_FILES

from {{ cookiecutter.package_name }}.transformations.bronze import customers as bronze

pytestmark = pytest.mark.unit

RAW_COLUMNS = f"{bronze.RAW_SCHEMA}, {bronze.SOURCE_FILE} STRING"
DAY_1, DAY_2 = "2024-01-01.csv", "2024-01-02.csv"
NINE, TEN, ELEVEN = datetime(2024, 1, 1, 9), datetime(2024, 1, 2, 10), datetime(2024, 1, 2, 11)


def test_read_customers_keeps_values_as_received_and_names_the_file(spark):
    raw = bronze.read_customers(spark, CUSTOMER_FILES)

    expected = spark.createDataFrame(
        [
            (1, "Ada Lovelace", " ADA@Example.com ", "GB", NINE, DAY_1),
            (2, "Grace Hopper", "grace@example.com", "US", NINE, DAY_1),
            (3, "Alan Turing", "alan@example.com", "gb", NINE, DAY_1),
            (2, "Grace Hopper", "grace@example.com", "US", NINE, DAY_2),
            (3, "Alan Turing", "alan@example.com", "US", TEN, DAY_2),
            (4, "Katherine Johnson", "katherine@example.com", "US", ELEVEN, DAY_2),
        ],
        RAW_COLUMNS,
    )
    assert_df_equality(raw, expected, ignore_row_order=True, ignore_nullable=True)


def test_read_customers_fails_on_a_malformed_row(spark, tmp_path):
    (tmp_path / "bad.csv").write_text(
        "customer_id,name,email,country,updated_at\n"
        "not-a-number,X,x@example.com,GB,2024-01-01 09:00:00\n"
    )

    with pytest.raises(Exception, match=r"MALFORMED_RECORD_IN_PARSING"):
        bronze.read_customers(spark, str(tmp_path)).collect()


def test_bronze_holds_each_record_once_however_often_it_runs(spark, pipeline_runs):
    first, second = pipeline_runs.first[0], pipeline_runs.second[0]

    assert (first.layer, first.merge.inserted, second.merge.inserted) == ("bronze", 6, 0)
    table = spark.table(pipeline_runs.names.table_name("bronze", bronze.TABLE))
    expected = bronze.read_customers(spark, CUSTOMER_FILES)
    assert_df_equality(table, expected, ignore_row_order=True, ignore_nullable=True)
