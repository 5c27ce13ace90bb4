"""databricks-utils: the shared platform library for Databricks medallion pipelines.

Importing the package has no side effects and does not import pyspark; import the
submodule you need:

>>> from databricks_utils.config import ConfigLoader  # doctest: +SKIP
>>> from databricks_utils.catalog import CatalogHelper  # doctest: +SKIP
"""

from databricks_utils.__about__ import __version__

__all__ = ["__version__"]
