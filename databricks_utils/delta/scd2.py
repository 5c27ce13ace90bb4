"""``scd2_merge``: SCD Type 2 history with Databricks AUTO CDC semantics on any Delta table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from databricks_utils.delta.columns import SEQUENCES_COLUMN, as_name_list
from databricks_utils.delta.errors import MergeInputError
from databricks_utils.delta.result import MergeResult

if TYPE_CHECKING:
    from delta.tables import DeltaTable
    from pyspark.sql import Column, DataFrame, SparkSession


def scd2_merge(
    target: str | DeltaTable,
    source: DataFrame,
    keys: str | Iterable[str],
    sequence_by: str | Column,
    *,
    delete_when: str | Column | None = None,
    track_history: Iterable[str] | None = None,
    track_history_except: Iterable[str] | None = None,
    ignore_null_updates: bool = False,
    except_columns: Iterable[str] | None = None,
    valid_from: str = "__START_AT",
    valid_to: str = "__END_AT",
    current_flag: str | None = None,
    track_sequences: bool = True,
    merge_schema: bool = False,
    spark: SparkSession | None = None,
) -> MergeResult:
    """Apply a batch of change events to an SCD Type 2 table in one atomic MERGE.

    The table keeps one row per version of each key: ``valid_from`` is the sequence where
    the version starts, ``valid_to`` where it ends (``NULL`` for the current version).
    History depends only on the set of events, not on how they were batched or in which
    order they arrived: every change of a tracked value opens a version, events with equal
    tracked values extend the current one, late events are placed by sequence (splitting a
    version when they fall inside it), and replaying a batch changes nothing.

    Args:
        target: a table name (created by the first call when it does not exist) or a
            ``DeltaTable``.
        source: the change events; one row per event.
        keys: the key column, or a list of them for a composite key.
        sequence_by: the column (or expression, e.g. ``F.struct("ts", "id")`` to break
            ties) ordering the events; ``valid_from``/``valid_to`` get its type.
        delete_when: a SQL condition or Column marking delete events, e.g.
            ``"op = 'DELETE'"``. A delete closes the open version at its sequence; at the
            same sequence a delete wins over an upsert.
        track_history: the columns whose change opens a version; changes to the others
            update the version in place. Default: every stored column except the keys and
            the sequence column.
        track_history_except: the columns whose change does *not* open a version.
        ignore_null_updates: a NULL in an upsert keeps the key's previous value.
        except_columns: source columns not stored in the target (e.g. the op column).
        valid_from: the column holding where a version starts.
        valid_to: the column holding where a version ends.
        current_flag: the name of an extra boolean column that is true for current rows.
        track_sequences: keep, in the ``__SEQUENCES`` array column, the sequences each
            version absorbed (NULL when only the one it starts at), so that a late event
            can split an unchanged run exactly.
            Switch it off only when events always arrive in sequence order; late events
            are then placed against the versions' starts.
        merge_schema: add source columns the target lacks instead of refusing them.
        spark: the session; default: the source's.

    Returns:
        The rows inserted, updated (including closed versions) and deleted (versions
        rebuilt around late events), and the committed version (``None`` when nothing
        changed). Deletes for keys without an open version are counted in
        ``ignored_deletes``.

    Raises:
        MergeInputError: before anything is written, for NULL keys or sequences, missing
            columns, different upserts at the same key and sequence, source columns the
            target lacks, or a target without the validity columns.

    Example:
        >>> from databricks_utils.delta import scd2_merge
        >>> changes = spark.createDataFrame(
        ...     [(1, "Alice", "Paris", 10), (1, "Alice", "Lyon", 20), (2, "Bob", "Rome", 10)],
        ...     "id INT, name STRING, city STRING, seq INT",
        ... )  # doctest: +SKIP
        >>> scd2_merge("silver.customers", changes, keys="id", sequence_by="seq")  # doctest: +SKIP
        MergeResult(inserted=3, updated=0, deleted=0, version=0, ignored_deletes=0)
        >>> spark.table("silver.customers").orderBy("id", "__START_AT").show()  # doctest: +SKIP
        +---+-----+-----+---+----------+--------+-----------+
        | id| name| city|seq|__START_AT|__END_AT|__SEQUENCES|
        +---+-----+-----+---+----------+--------+-----------+
        |  1|Alice|Paris| 10|        10|      20|       NULL|
        |  1|Alice| Lyon| 20|        20|    NULL|       NULL|
        |  2|  Bob| Rome| 10|        10|    NULL|       NULL|
        +---+-----+-----+---+----------+--------+-----------+
    """
    from databricks_utils.delta._scd2_plan import Scd2Options
    from databricks_utils.delta._scd2_run import run_scd2
    from databricks_utils.delta._setup import prepare

    key_names = as_name_list(keys, argument="keys")
    tracked = as_name_list(track_history, argument="track_history")
    untracked = as_name_list(track_history_except, argument="track_history_except")
    if track_history is not None and track_history_except is not None:
        raise MergeInputError(
            "track_history and track_history_except cannot both be given; use one of them"
        )
    sequences = SEQUENCES_COLUMN if track_sequences else None
    maintained = [valid_from, valid_to, *[n for n in (current_flag, sequences) if n]]
    if len({name.lower() for name in maintained}) < len(maintained):
        raise MergeInputError(
            f"valid_from, valid_to, current_flag and '{SEQUENCES_COLUMN}' must be different "
            f"columns, got {maintained}"
        )
    setup = prepare(
        target,
        source,
        key_names,
        sequence_by,
        as_name_list(except_columns, argument="except_columns"),
        reserved=maintained,
        spark=spark,
    )
    spec = setup.spec
    stored = setup.resolver
    candidates = [c for c in spec.payload if c != spec.sequence_column]
    if track_history is not None:
        tracked_columns = stored.resolve(tracked, argument="track_history")
        _refuse_unstored(tracked_columns, spec.payload, "track_history")
    else:
        excluded = stored.resolve(untracked, argument="track_history_except")
        _refuse_unstored(excluded, spec.payload, "track_history_except")
        tracked_columns = [c for c in candidates if c not in excluded]
    options = Scd2Options(
        tracked=tracked_columns,
        ignore_null_updates=ignore_null_updates,
        valid_from=valid_from,
        valid_to=valid_to,
        current_flag=current_flag,
        sequences=sequences,
        merge_schema=merge_schema,
    )
    return run_scd2(setup, source, delete_when, options)


def _refuse_unstored(columns: list[str], payload: list[str], argument: str) -> None:
    unstored = [c for c in columns if c not in payload]
    if unstored:
        raise MergeInputError(
            f"{argument}: {', '.join(repr(c) for c in unstored)} are keys or except_columns, "
            "not stored columns whose history can be tracked"
        )
