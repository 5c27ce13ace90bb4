"""Delta Lake primitives: SCD Type 2 and SCD1 merges, deduplication, idempotent appends.

Importing this package does not import pyspark; each function does when called.

Example:
    >>> from databricks_utils.delta import scd2_merge
    >>> result = scd2_merge(
    ...     "main.crm_silver.customers", changes, keys="id", sequence_by="updated_at"
    ... )  # doctest: +SKIP
    >>> result.inserted, result.updated, result.version  # doctest: +SKIP
    (120, 37, 12)
"""

from databricks_utils.delta.append import append_new
from databricks_utils.delta.columns import SEQUENCES_COLUMN
from databricks_utils.delta.dedup import deduplicate
from databricks_utils.delta.errors import MergeInputError
from databricks_utils.delta.result import MergeResult
from databricks_utils.delta.scd1 import scd1_merge
from databricks_utils.delta.scd2 import scd2_merge

__all__ = [
    "SEQUENCES_COLUMN",
    "MergeInputError",
    "MergeResult",
    "append_new",
    "deduplicate",
    "scd1_merge",
    "scd2_merge",
]
