"""Apply ``spark.config`` to a session that already runs (Databricks, or a reused one)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

from databricks_utils.redaction import is_sensitive
from databricks_utils.session.errors import SparkConfigNotAppliedWarning, SparkSessionError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_STATIC_MARKERS = ("CANNOT_MODIFY_CONFIG", "Cannot modify the value of")


def apply_runtime_settings(
    spark: SparkSession, settings: Mapping[str, str], *, tolerate_refusals: bool
) -> list[str]:
    """Set each runtime-settable entry of ``settings`` with ``spark.conf.set``.

    Settings the session already has are left alone. Static settings (fixed when the
    session started) are skipped and reported in one
    [`SparkConfigNotAppliedWarning`][databricks_utils.session.SparkConfigNotAppliedWarning].
    A value the session refuses raises, unless ``tolerate_refusals`` (serverless compute
    refuses most settings), in which case it is skipped and reported in the same warning.

    Returns:
        The keys that were not applied.

    Raises:
        SparkSessionError: naming the key whose value was refused.
    """
    static: list[str] = []
    refused: list[str] = []
    for key, value in settings.items():
        if _same(current_setting(spark, key), value):
            continue
        try:
            spark.conf.set(key, value)
        except Exception as exc:
            reason = str(exc)
            if any(marker in reason for marker in _STATIC_MARKERS):
                static.append(key)
            elif tolerate_refusals:
                refused.append(key)
            else:
                detail = "" if is_sensitive(key) else ": " + reason.strip().splitlines()[0]
                raise SparkSessionError(
                    f'spark.config."{key}": the Spark session refused the value{detail}'
                ) from None
    if static or refused:
        parts = []
        if static:
            parts.append("static, fixed when the session started: " + ", ".join(static))
        if refused:
            parts.append("refused by this compute: " + ", ".join(refused))
        warnings.warn(
            f"{len(static) + len(refused)} spark.config setting(s) not applied to the existing "
            f"Spark session ({'; '.join(parts)})",
            SparkConfigNotAppliedWarning,
            stacklevel=4,
        )
    return static + refused


def _same(current: str | None, wanted: str) -> bool:
    # Spark qualifies local paths it stores: "/tmp/wh" comes back as "file:/tmp/wh".
    if current is None:
        return False
    return current == wanted or current.removeprefix("file:").rstrip("/") == wanted.rstrip("/")


def current_setting(spark: SparkSession, key: str) -> str | None:
    """The session's value of ``key`` as a string, ``None`` when unset or unreadable."""
    try:
        value = spark.conf.get(key)
    except Exception:
        return None
    return None if value is None else str(value)
