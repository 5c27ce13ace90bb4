"""Which Delta Lake runs with which Spark locally, and the Maven coordinate of its jar.

Databricks runtimes pair them for you; a local session pairs the installed ``pyspark`` and
``delta-spark`` wheels, whose jars Spark fetches from Maven under names that differ by Spark
line: ``delta-spark_2.12`` (Delta 3, Spark 3.5), ``delta-spark_2.13`` (Delta 4.0, Spark 4.0)
and ``delta-spark_<spark>_2.13`` (Delta 4.1 on, e.g. ``delta-spark_4.1_2.13``).

Example:
    >>> supported_pair("4.0.1", "4.0.1").runtime
    'Databricks Runtime 17.3 LTS'
    >>> delta_coordinate("4.1.1", "4.1.0")
    'io.delta:delta-spark_4.1_2.13:4.1.0'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from databricks_utils.session.errors import SparkSessionError

Version = tuple[int, int, int]


@dataclass(frozen=True)
class SupportedPair:
    """A Spark line and the Delta releases tested with it, as a Databricks runtime has them
    (each range from its first version up to, not including, its second)."""

    runtime: str
    spark: tuple[Version, Version]
    delta: tuple[Version, Version]

    def accepts(self, spark: Version, delta: Version) -> bool:
        return self.spark[0] <= spark < self.spark[1] and self.delta[0] <= delta < self.delta[1]

    def describe(self) -> str:
        return (
            f"pyspark {_range(*self.spark)} with delta-spark {_range(*self.delta)} ({self.runtime})"
        )


#: The pairs the library is tested with; newest first.
SUPPORTED_PAIRS: tuple[SupportedPair, ...] = (
    # Delta 4.1.0 is built against Spark 4.1.0/4.1.1: later 4.1 patches removed classes it uses.
    SupportedPair("Databricks Runtime 18 LTS", ((4, 1, 0), (4, 1, 2)), ((4, 1, 0), (4, 1, 1))),
    SupportedPair("Databricks Runtime 17.3 LTS", ((4, 0, 0), (4, 1, 0)), ((4, 0, 0), (4, 1, 0))),
    SupportedPair(
        "Databricks Runtime 15.4 / 16.4 LTS", ((3, 5, 0), (3, 6, 0)), ((3, 2, 0), (3, 4, 0))
    ),
)


def supported_pair(pyspark_version: str, delta_version: str) -> SupportedPair:
    """The supported pair ``pyspark_version`` and ``delta_version`` belong to.

    Raises:
        SparkSessionError: naming both versions and the supported pairs.

    Example:
        >>> supported_pair("4.1.4", "4.1.0")
        Traceback (most recent call last):
          ...
        databricks_utils.session.errors.SparkSessionError: pyspark 4.1.4 with delta-spark 4.1.0 ...
    """
    spark, delta = _parse(pyspark_version), _parse(delta_version)
    for pair in SUPPORTED_PAIRS:
        if spark is not None and delta is not None and pair.accepts(spark, delta):
            return pair
    choices = "; ".join(pair.describe() for pair in SUPPORTED_PAIRS)
    raise SparkSessionError(
        f"pyspark {pyspark_version} with delta-spark {delta_version} is not a supported pair "
        f"for a local session: their Delta jars do not work together or are untested. Install "
        f"one of: {choices}; for example pip install 'pyspark==4.0.*' 'delta-spark==4.0.*' "
        "(what pip install 'databricks-utils[spark]' gives)."
    )


def delta_coordinate(pyspark_version: str, delta_version: str) -> str:
    """The Maven coordinate of the Delta jar for this pair.

    Example:
        >>> delta_coordinate("3.5.6", "3.3.2")
        'io.delta:delta-spark_2.12:3.3.2'
        >>> delta_coordinate("4.0.1", "4.0.1")
        'io.delta:delta-spark_2.13:4.0.1'
    """
    delta = _parse(delta_version) or (0, 0, 0)
    spark = _parse(pyspark_version) or (0, 0, 0)
    if delta < (4, 0, 0):
        artifact = "delta-spark_2.12"
    elif delta < (4, 1, 0):
        artifact = "delta-spark_2.13"
    else:
        artifact = f"delta-spark_{spark[0]}.{spark[1]}_2.13"
    return f"io.delta:{artifact}:{delta_version}"


def _parse(version: str) -> Version | None:
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def _range(low: Version, below: Version) -> str:
    """``(4, 0, 0), (4, 1, 0)`` → ``4.0.x``; ``(3, 2, 0), (3, 4, 0)`` → ``3.2.x-3.3.x``;
    ``(4, 1, 0), (4, 1, 2)`` → ``4.1.0-4.1.1``; ``(4, 1, 0), (4, 1, 1)`` → ``4.1.0``."""
    if below[2] == 0:  # up to a whole minor line
        last = (below[0], below[1] - 1)
        first = f"{low[0]}.{low[1]}.x" if low[2] == 0 else _dotted(low)
        return first if (low[0], low[1]) == last else f"{first}-{last[0]}.{last[1]}.x"
    high = (below[0], below[1], below[2] - 1)
    return _dotted(low) if low == high else f"{_dotted(low)}-{_dotted(high)}"


def _dotted(version: Version) -> str:
    return ".".join(map(str, version))
