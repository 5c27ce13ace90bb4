"""Errors and warnings about getting a Spark session."""

from __future__ import annotations


class SparkSessionError(RuntimeError):
    """A Spark session cannot be had; the message says why and what to do.

    Example:
        >>> raise SparkSessionError("Java not found")
        Traceback (most recent call last):
          ...
        databricks_utils.session.errors.SparkSessionError: Java not found
    """


class SparkConfigNotAppliedWarning(UserWarning):
    """Some ``spark.config`` settings could not be applied to an existing session."""
