"""Unity Catalog naming: ``{catalog}.{schema}_{layer}.{table}`` and friends.

Example:
    >>> from databricks_utils.catalog import CatalogHelper, Layer
    >>> CatalogHelper(cfg).table_name(Layer.BRONZE, "raw_customers")  # doctest: +SKIP
    'dev_analytics.customer_360_bronze.raw_customers'
"""

from databricks_utils.catalog.convention import DEFAULT_NAMING, NamingConvention
from databricks_utils.catalog.helper import CatalogHelper
from databricks_utils.catalog.identifiers import (
    NamingError,
    quote_identifier,
    suggest_identifier,
    validate_identifier,
    validate_qualified_name,
)
from databricks_utils.catalog.layers import Layer

__all__ = [
    "DEFAULT_NAMING",
    "CatalogHelper",
    "Layer",
    "NamingConvention",
    "NamingError",
    "quote_identifier",
    "suggest_identifier",
    "validate_identifier",
    "validate_qualified_name",
]
