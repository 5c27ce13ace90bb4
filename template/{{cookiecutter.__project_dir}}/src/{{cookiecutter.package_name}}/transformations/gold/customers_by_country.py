"""How many customers each country has today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..silver import customers as silver_customers

if TYPE_CHECKING:
    from databricks_utils.catalog import CatalogHelper
    from pyspark.sql import DataFrame, SparkSession

TABLE = "customers_by_country"


def customers_by_country(customers: DataFrame) -> DataFrame:
    """Count the current version of each customer (closed versions are history) per country."""
    from pyspark.sql import functions as F

    current = customers.where(F.col(silver_customers.VALID_TO).isNull())
    return current.groupBy("country").agg(F.count("*").alias("customers"))


def build_customers_by_country(spark: SparkSession, names: CatalogHelper) -> None:
    """Rewrite the gold table from the silver history."""
    customers = spark.table(names.table_name("silver", silver_customers.TABLE))
    (
        customers_by_country(customers)
        .write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .saveAsTable(names.table_name("gold", TABLE))
    )
