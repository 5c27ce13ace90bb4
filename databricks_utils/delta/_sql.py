"""SQL expressions as text, combined like PySpark columns, for the clauses of a SQL ``MERGE``.

A SQL ``MERGE INTO`` runs on every runtime the library supports (classic Spark 3.5 and 4.x,
Spark Connect, Databricks serverless); its conditions and assignments are SQL text, which this
module builds from the same operators a ``Column`` offers.

Example:
    >>> key = source("id").eq_null_safe(target("id"))
    >>> str(all_of([key, target("valid_to").is_null()]))
    '((s.`id` <=> t.`id`) AND (t.`valid_to` IS NULL))'
    >>> str(when(source("deleted"), lit(None)).otherwise(source("name")))
    'CASE WHEN s.`deleted` THEN NULL ELSE s.`name` END'
"""

from __future__ import annotations

import datetime
import decimal
import operator
from collections.abc import Iterable
from functools import reduce
from typing import TYPE_CHECKING

from databricks_utils.delta.columns import backticked

if TYPE_CHECKING:
    from pyspark.sql import Column
    from pyspark.sql.types import DataType


class Sql:
    """One SQL expression; operators build bigger ones (``&``, ``|``, ``~``, comparisons)."""

    __slots__ = ("text",)
    __hash__ = None  # type: ignore[assignment]  # == builds an expression, as on a Column

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Sql({self.text!r})"

    def __and__(self, other: Sql) -> Sql:
        return Sql(f"({self} AND {other})")

    def __or__(self, other: Sql) -> Sql:
        return Sql(f"({self} OR {other})")

    def __invert__(self) -> Sql:
        return Sql(f"(NOT {self})")

    def __eq__(self, other: object) -> Sql:  # type: ignore[override]
        return _binary(self, "=", other)

    def __le__(self, other: object) -> Sql:
        return _binary(self, "<=", other)

    def __gt__(self, other: object) -> Sql:
        return _binary(self, ">", other)

    def __ge__(self, other: object) -> Sql:
        return _binary(self, ">=", other)

    def __getitem__(self, index: int) -> Sql:
        return Sql(f"{self}[{index}]")

    def eq_null_safe(self, other: Sql) -> Sql:
        """``<=>``: equal, NULL equal to NULL."""
        return _binary(self, "<=>", other)

    def is_null(self) -> Sql:
        return Sql(f"({self} IS NULL)")

    def cast(self, data_type: DataType) -> Sql:
        return Sql(f"CAST({self} AS {data_type.simpleString()})")

    def column(self) -> Column:
        """The same expression as a PySpark ``Column`` over a DataFrame's columns."""
        from pyspark.sql import functions as F

        return F.expr(self.text)


Operand = Sql | bool | int | float | str | None


def column(name: str, prefix: str | None = None) -> Sql:
    """A column, optionally of the relation aliased ``prefix``."""
    return Sql(backticked(name) if prefix is None else f"{prefix}.{backticked(name)}")


def source(name: str) -> Sql:
    """A column of the MERGE source (aliased ``s``)."""
    return column(name, "s")


def target(name: str) -> Sql:
    """A column of the MERGE target (aliased ``t``)."""
    return column(name, "t")


def lit(value: Operand) -> Sql:
    """A literal: NULL, a boolean, a number or a string.

    Example:
        >>> str(lit("it's")), str(lit(None)), str(lit(True))
        ("'it\\\\'s'", 'NULL', 'TRUE')
    """
    if isinstance(value, Sql):
        return value
    if value is None:
        return Sql("NULL")
    if isinstance(value, bool):
        return Sql("TRUE" if value else "FALSE")
    if isinstance(value, int | float):
        return Sql(repr(value))
    return Sql("'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'")


def typed_lit(value: object, data_type: DataType) -> Sql:
    """A literal of a column's type, from the Python value Spark collected for it: its text
    cast to the type, which also holds for ``inf``/``nan`` and for decimals.

    Example:
        >>> from pyspark.sql.types import DateType  # doctest: +SKIP
        >>> str(typed_lit(datetime.date(2024, 1, 31), DateType()))  # doctest: +SKIP
        "CAST('2024-01-31' AS date)"
    """
    if isinstance(value, datetime.date | decimal.Decimal | bool | int | float | str):
        return lit(str(value)).cast(data_type)
    raise TypeError(f"no SQL literal for a {type(value).__name__}")


def when(condition: Sql, value: Sql) -> Case:
    """``CASE WHEN condition THEN value … END``; ``.otherwise()`` adds the ``ELSE``."""
    return Case(f"CASE WHEN {condition} THEN {value}")


class Case(Sql):
    """A ``CASE`` expression still open for an ``ELSE``."""

    __slots__ = ("_head",)

    def __init__(self, head: str) -> None:
        super().__init__(f"{head} END")
        self._head = head

    def otherwise(self, value: Sql) -> Sql:
        return Sql(f"{self._head} ELSE {value} END")


def call(function: str, *arguments: Sql) -> Sql:
    """``function(arguments…)``."""
    return Sql(f"{function}({', '.join(str(a) for a in arguments)})")


def all_of(conditions: Iterable[Sql]) -> Sql:
    """Every condition holds; ``TRUE`` for none."""
    items = list(conditions)
    return reduce(operator.and_, items) if items else lit(True)


def keys_match(keys: Iterable[str]) -> Sql:
    """The MERGE's target row has the source row's keys.

    Example:
        >>> str(keys_match(["id"]))
        '(t.`id` = s.`id`)'
    """
    return all_of(target(k) == source(k) for k in keys)


def raise_error(message: str) -> Sql:
    """Fails the statement with ``message``."""
    return call("raise_error", lit(message))


def _binary(left: Sql, operator: str, right: object) -> Sql:
    if not isinstance(right, Sql | bool | int | float | str | type(None)):
        raise TypeError(f"cannot compare SQL with a {type(right).__name__}")
    return Sql(f"({left} {operator} {lit(right)})")
