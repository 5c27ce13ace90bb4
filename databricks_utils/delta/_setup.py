"""Checks shared by the merges: the source, the session, the target and the column roles."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession

from databricks_utils.delta._changes import ChangeSpec, change_spec
from databricks_utils.delta._target import Target, case_sensitive, resolve_target
from databricks_utils.delta.columns import ColumnResolver
from databricks_utils.delta.errors import MergeInputError


@dataclass(frozen=True)
class Setup:
    """A merge's resolved inputs."""

    spark: SparkSession
    target: Target
    spec: ChangeSpec
    sequence: Column
    resolver: ColumnResolver


def session_for(source: DataFrame, spark: SparkSession | None) -> SparkSession:
    """The session to use: the given one, else the source's."""
    if not isinstance(source, DataFrame):
        raise MergeInputError(f"source: expected a DataFrame, got {type(source).__name__}")
    return spark if spark is not None else source.sparkSession


def prepare(
    target: object,
    source: DataFrame,
    keys: list[str],
    sequence_by: str | Column,
    except_columns: list[str],
    *,
    reserved: list[str],
    spark: SparkSession | None,
) -> Setup:
    """Resolve the source's columns and look the target up; nothing is computed yet."""
    session = session_for(source, spark)
    resolver = ColumnResolver(source.columns, case_sensitive=case_sensitive(session), what="source")
    spec, sequence = change_spec(
        source,
        resolver=resolver,
        keys=keys,
        sequence_by=sequence_by,
        except_columns=except_columns,
        reserved=reserved,
    )
    return Setup(session, resolve_target(target, session), spec, sequence, resolver)
