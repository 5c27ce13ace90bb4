"""Errors raised for bad merge input, before anything is written."""

from __future__ import annotations


class MergeInputError(ValueError):
    """The source, the arguments or the target schema cannot be merged.

    Raised before any write: the target stays at its previous Delta version. The message
    names the columns, keys or arguments at fault and, where it helps, what would be valid.

    Example:
        >>> raise MergeInputError("keys: column 'id' has 2 NULL value(s)")
        Traceback (most recent call last):
        ...
        databricks_utils.delta.errors.MergeInputError: keys: column 'id' has 2 NULL value(s)
    """
