"""Local runs: give a new Spark process the tables an earlier run left behind."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from databricks_utils.catalog import CatalogHelper
    from pyspark.sql import SparkSession


def reattach_local_tables(spark: SparkSession, names: CatalogHelper) -> list[str]:
    """Register the Delta tables found in the local warehouse that the catalog does not know.

    A local session keeps its catalog in memory: the next process no longer knows the
    tables whose files are still in ``spark-warehouse/``, and writing them again would fail
    with ``DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION``. Creates the layer schemas too.

    Returns:
        The tables registered, e.g. ``['spark_catalog.my_pipeline_bronze.customers_raw']``.
    """
    warehouse = Path(unquote(urlsplit(spark.conf.get("spark.sql.warehouse.dir")).path))
    attached = []
    for schema in names.ensure_schemas(spark):
        schema_dir = warehouse / f"{schema.rsplit('.', 1)[-1]}.db"
        for delta_log in sorted(schema_dir.glob("*/_delta_log")):
            table = f"{schema}.{delta_log.parent.name}"
            if not spark.catalog.tableExists(table):
                spark.catalog.createTable(table, path=str(delta_log.parent), source="delta")
                attached.append(table)
    return attached
