"""Resolving the column names a merge is given against a DataFrame's columns."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from databricks_utils.delta.errors import MergeInputError

#: Prefix of the working columns a merge adds while staging; source columns may not use it.
INTERNAL_PREFIX = "__dbu_"

#: The SCD2 target column holding, per version, the sequences of the events it absorbed.
SEQUENCES_COLUMN = "__SEQUENCES"

#: The SCD1 target column holding each row's sequence when ``sequence_by`` is not stored.
SEQUENCE_COLUMN = "__SEQUENCE"


def as_name_list(value: str | Iterable[str] | None, *, argument: str) -> list[str]:
    """``"id"`` → ``["id"]``; lists pass through; ``None`` → ``[]``; duplicates are refused.

    Example:
        >>> as_name_list("id", argument="keys")
        ['id']
        >>> as_name_list(["country", "id"], argument="keys")
        ['country', 'id']
    """
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    for name in names:
        if not isinstance(name, str) or not name:
            raise MergeInputError(f"{argument}: expected column names, got {name!r}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise MergeInputError(f"{argument}: column(s) listed twice: {', '.join(duplicates)}")
    return names


class ColumnResolver:
    """Finds columns by name the way Spark does (case-insensitive unless configured).

    Example:
        >>> columns = ColumnResolver(["id", "Name"], case_sensitive=False, what="source")
        >>> columns.resolve(["ID", "name"], argument="keys")
        ['id', 'Name']
    """

    def __init__(self, columns: Sequence[str], *, case_sensitive: bool, what: str):
        self.columns = list(columns)
        self._case_sensitive = case_sensitive
        self._what = what

    def find(self, name: str) -> str | None:
        """The column's actual name, or ``None`` when it does not exist."""
        if name in self.columns:
            return name
        if not self._case_sensitive:
            for column in self.columns:
                if column.lower() == name.lower():
                    return column
        return None

    def resolve(self, names: Iterable[str], *, argument: str) -> list[str]:
        """Actual names of ``names``; all missing ones reported together."""
        names = list(names)
        found = [self.find(name) for name in names]
        missing = [name for name, column in zip(names, found, strict=True) if column is None]
        if missing:
            raise MergeInputError(
                f"{argument}: {self._what} has no column(s) {_quoted(missing)}"
                f"{self._suggestions(missing)}; {self._what} columns are {_quoted(self.columns)}"
            )
        return [column for column in found if column is not None]

    def _suggestions(self, missing: list[str]) -> str:
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, self.columns, n=1)
            if close:
                hints.append(f"'{name}' → '{close[0]}'")
        return f" (did you mean {', '.join(hints)}?)" if hints else ""


def quoted(names: Iterable[str]) -> str:
    """``['a', 'b']`` → ``'a', 'b'`` for messages."""
    return _quoted(names)


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def backticked(name: str) -> str:
    """A column name quoted for SQL expressions.

    Example:
        >>> backticked("order id")
        '`order id`'
    """
    return "`" + name.replace("`", "``") + "`"
