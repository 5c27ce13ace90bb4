import pytest
from conftest import CUSTOMER_FILES

from {{ cookiecutter.package_name }} import pipeline
from {{ cookiecutter.package_name }}.local_tables import reattach_local_tables

pytestmark = pytest.mark.unit


def test_run_writes_every_layer_and_a_second_run_keeps_the_row_counts(pipeline_runs):
    names = pipeline_runs.names

    expected = [
        ("bronze", names.table_name("bronze", "customers_raw"), 6),
        ("silver", names.table_name("silver", "customers"), 5),
        ("gold", names.table_name("gold", "customers_by_country"), 2),
    ]
    assert [(r.layer, r.table, r.rows) for r in pipeline_runs.first] == expected
    assert [(r.layer, r.table, r.rows) for r in pipeline_runs.second] == expected
    assert [r.change for r in pipeline_runs.second] == [
        "0 inserted, 0 updated, 0 deleted",
        "0 inserted, 0 updated, 0 deleted",
        "table rewritten",
    ]


def test_run_runs_only_the_layers_asked_for(spark, names):
    runs = pipeline.run(spark, names, CUSTOMER_FILES, layers=["bronze"])

    assert [r.layer for r in runs] == ["bronze"]
    assert not spark.catalog.tableExists(names.table_name("silver", "customers"))


def test_job_task_arguments_parse():
    args = pipeline.parse_args(["--env=dev", "--layer=silver", "--catalog=dev_other"])

    assert (args.env, args.layer, args.catalog, args.schema) == ("dev", "silver", "dev_other", None)


def test_format_runs_aligns_the_columns():
    runs = [
        pipeline.LayerRun("bronze", "c.s_bronze.customers_raw", 6),
        pipeline.LayerRun("gold", "c.s_gold.by_country", 12),
    ]

    assert pipeline.format_runs(runs).splitlines() == [
        "layer   table                     rows  change",
        "bronze  c.s_bronze.customers_raw     6  table rewritten",
        "gold    c.s_gold.by_country         12  table rewritten",
    ]


def test_reattach_local_tables_registers_delta_files_the_catalog_forgot(spark, names):
    schema = names.schema_name("bronze")
    warehouse = spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    location = f"{warehouse}/{schema.split('.')[-1]}.db/left_behind"
    spark.range(3).write.format("delta").save(location)  # files only, as after a restart

    attached = reattach_local_tables(spark, names)

    assert attached == [f"{schema}.left_behind"]
    assert spark.table(f"{schema}.left_behind").count() == 3
    assert reattach_local_tables(spark, names) == []
