"""``SparkSessionFactory`` where the design document puts it (``databricks_utils.config``).

The factory lives in [`databricks_utils.session`][databricks_utils.session]; importing
it from here is the same class. Importing this module does not import pyspark.

Example:
    >>> from databricks_utils.config.spark_session import SparkSessionFactory
    >>> from databricks_utils.session import SparkSessionFactory as Factory
    >>> SparkSessionFactory is Factory
    True
"""

from databricks_utils.session.factory import SparkSessionFactory

__all__ = ["SparkSessionFactory"]
