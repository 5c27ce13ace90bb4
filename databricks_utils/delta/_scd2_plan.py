"""The general plan of ``scd2_merge`` (any batch): one pre-join, one staged source.

The affected part of each key's history (its versions ending at or after the batch's
earliest sequence) is turned back into events: one per sequence a version absorbed, plus a
delete wherever a version closes without a successor. Those events and the batch's are
ordered by sequence, cut into runs of equal tracked values, and each run becomes a version.
Comparing the rebuilt versions with the stored ones gives the rows to insert, update and
delete, which one MERGE applies in one commit (see ``_scd2_run``).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, StructField, StructType, TimestampType

from databricks_utils.delta import _sql as sql
from databricks_utils.delta._changes import (
    DELETE,
    SEQ,
    ChangeBatch,
    ChangeSpec,
)
from databricks_utils.delta._dedup_plan import RANK
from databricks_utils.delta._materialize import checkpoint, release
from databricks_utils.delta._schema import check_same_columns, target_columns
from databricks_utils.delta._sql import Sql
from databricks_utils.delta._target import Target
from databricks_utils.delta.columns import (
    INTERNAL_PREFIX,
    SEQUENCES_COLUMN,
    ColumnResolver,
    backticked,
    quoted,
)
from databricks_utils.delta.errors import MergeInputError

ORIGIN = f"{INTERNAL_PREFIX}from_batch"
BATCH_DELETE = f"{INTERNAL_PREFIX}batch_delete"
TARGET_DELETE = f"{INTERNAL_PREFIX}target_delete"
BATCH_PAYLOAD = f"{INTERNAL_PREFIX}batch_payload"
TARGET_PAYLOAD = f"{INTERNAL_PREFIX}target_payload"
CONFLICT = f"{INTERNAL_PREFIX}conflict"
CONFLICT_SEQ = f"{INTERNAL_PREFIX}conflict_seq"
IGNORED = f"{INTERNAL_PREFIX}ignored"
SEGMENT = f"{INTERNAL_PREFIX}segment"
RUN = f"{INTERNAL_PREFIX}run"
START = f"{INTERNAL_PREFIX}start"
END = f"{INTERNAL_PREFIX}end"
SEQUENCES = f"{INTERNAL_PREFIX}sequences"
MATCH = f"{INTERNAL_PREFIX}match"
ACTION = f"{INTERNAL_PREFIX}action"
NEW = f"{INTERNAL_PREFIX}new"
OLD = f"{INTERNAL_PREFIX}old"
MIN_SEQ = f"{INTERNAL_PREFIX}min_seq"
TAIL = f"{INTERNAL_PREFIX}tail"
OLD_END = f"{INTERNAL_PREFIX}old_end"
FRESH_DELETE = f"{INTERNAL_PREFIX}fresh_delete"
OWNER = f"{INTERNAL_PREFIX}owner"
CANDIDATE = f"{INTERNAL_PREFIX}candidate"
STORED_UPSERT = f"{INTERNAL_PREFIX}stored_upsert"
STORED = f"{INTERNAL_PREFIX}stored"
ENTRY = f"{INTERNAL_PREFIX}entry"
ROW = f"{INTERNAL_PREFIX}row"

# A checkpointed batch's aggregate carries no reliable size estimate: broadcast it up to this.
BROADCAST_ROWS = 1_000_000
ROWS_PER_PARTITION = 100_000


@dataclass(frozen=True)
class Scd2Options:
    """The column roles and switches of one ``scd2_merge`` call."""

    tracked: list[str]
    ignore_null_updates: bool
    valid_from: str
    valid_to: str
    current_flag: str | None
    sequences: str | None
    merge_schema: bool

    @property
    def maintained(self) -> list[str]:
        """Columns the merge maintains besides the source's."""
        names = [self.valid_from, self.valid_to]
        return names + [n for n in (self.current_flag, self.sequences) if n is not None]


def check_target_schema(target: Target, spec: ChangeSpec, options: Scd2Options) -> None:
    """Refuse a target the merge cannot maintain, naming the columns at fault."""
    schema = target.dataframe().schema
    columns = target_columns(target)
    missing = [c for c in (options.valid_from, options.valid_to) if columns.find(c) is None]
    if missing:
        raise MergeInputError(
            f"target {target.label} lacks the validity column(s) {quoted(missing)}; an SCD2 "
            "target needs valid_from and valid_to columns (pass valid_from=/valid_to= if it "
            "uses other names)"
        )
    for name, wanted in (
        (options.valid_from, spec.sequence_type),
        (options.valid_to, spec.sequence_type),
    ):
        actual = schema[columns.find(name) or name].dataType
        if actual != wanted:
            raise MergeInputError(
                f"target {target.label} column '{name}' has type {actual.simpleString()} but "
                f"sequence_by '{spec.sequence_label}' has type {wanted.simpleString()}; they "
                "must match"
            )
    _check_optional_column(target, columns, options.current_flag, "current_flag")
    if options.sequences is not None and columns.find(options.sequences) is None:
        raise MergeInputError(
            f"target {target.label} has no '{options.sequences}' column of absorbed "
            "sequences; it was created with track_sequences=False, so pass that again"
        )
    if options.sequences is None and columns.find(SEQUENCES_COLUMN) is not None:
        raise MergeInputError(
            f"target {target.label} keeps absorbed sequences in '{SEQUENCES_COLUMN}'; "
            "track_sequences=False would leave them stale, so keep track_sequences=True"
        )
    check_same_columns(target, spec, options.maintained, options.merge_schema)


def _check_optional_column(
    target: Target, columns: ColumnResolver, name: str | None, argument: str
) -> None:
    if name is not None and columns.find(name) is None:
        raise MergeInputError(
            f"target {target.label} has no {argument} column '{name}'; it was created "
            f"without {argument}, so leave {argument} unset or add the column"
        )


def old_versions(target: Target, batch: ChangeBatch, options: Scd2Options) -> DataFrame:
    """The stored versions a batch can touch: those ending (or holding a delete) at or
    after the key's earliest event.

    A delete for a key none of whose versions qualify also needs the key's last version,
    to keep the delete with it; those are read separately, only when there are such keys.
    """
    spec = batch.spec
    valid_to = F.col(backticked(options.valid_to))
    reach = version_reach(options)
    table = target.dataframe()
    rows = reaching_batch(table, batch, options)
    earliest = batch.events.groupBy(*spec.keys).agg(F.min(SEQ).alias(MIN_SEQ))
    if batch.count <= BROADCAST_ROWS:
        earliest = F.broadcast(earliest)
    old = version_columns(
        rows.join(earliest, on=spec.keys).where(valid_to.isNull() | (reach >= F.col(MIN_SEQ))),
        batch,
        options,
    )
    if not batch.deletes or not options.sequences:
        return old
    old = checkpoint(old)
    deleting = batch.events.where(F.col(DELETE)).select(*spec.keys).distinct()
    orphans = deleting.join(old.select(*spec.keys), on=spec.keys, how="left_anti")
    if orphans.isEmpty():
        return old
    latest_first = Window.partitionBy(*spec.keys).orderBy(
        F.col(backticked(options.valid_from)).desc()
    )
    anchors = (
        table.join(orphans, on=spec.keys, how="left_semi")
        .withColumn(RANK, F.row_number().over(latest_first))
        .where(F.col(RANK) == 1)
    )
    widened = checkpoint(old.unionByName(version_columns(anchors, batch, options)))
    release(old)
    return widened


def version_reach(options: Scd2Options) -> Column:
    """The last sequence a stored version holds: its end, or a later delete it keeps."""
    valid_to = F.col(backticked(options.valid_to))
    if not options.sequences:
        return valid_to
    # A closed key's last version keeps later deletes as sequences past its end.
    return F.greatest(valid_to, F.array_max(F.col(backticked(options.sequences))))


def reaching_batch(rows: DataFrame, batch: ChangeBatch, options: Scd2Options) -> DataFrame:
    """``rows`` without versions that end before the batch's earliest sequence, through a
    constant bound Delta can skip files with (all of them when there is no such bound)."""
    bound = pruning_bound(batch.min_sequence, batch.spec.sequence_type)
    if bound is None:
        return rows
    valid_to = F.col(backticked(options.valid_to))
    return rows.where(valid_to.isNull() | (version_reach(options) >= F.lit(bound)))


def version_columns(rows: DataFrame, batch: ChangeBatch, options: Scd2Options) -> DataFrame:
    spec = batch.spec
    stored = ColumnResolver(rows.columns, case_sensitive=False, what="target")
    event_schema = batch.events.schema
    return rows.select(
        *[F.col(backticked(c)).alias(c) for c in spec.keys],
        F.col(backticked(options.valid_from)).alias(START),
        F.col(backticked(options.valid_to)).alias(END),
        *[_stored_or_null(stored, event_schema, c) for c in spec.payload],
        absorbed_sequences(options).alias(SEQUENCES),
    )


def absorbed_sequences(options: Scd2Options) -> Column:
    """The sequences a stored version absorbed; a NULL column (or no column) means only the
    one where it starts."""
    start = F.array(F.col(backticked(options.valid_from)))
    if not options.sequences:
        return start
    return F.coalesce(F.col(backticked(options.sequences)), start)


def stored_sequences(sequences: Sql, start: Sql) -> Sql:
    """What the sequences column stores: NULL when the version absorbed only its start
    (most versions), which keeps the column nearly free to write and rewrite."""
    only_start = (sql.call("size", sequences) == 1) & (sequences[0] == start)
    return sql.when(~only_start, sequences)


def _stored_or_null(stored: ColumnResolver, event_schema: StructType, column: str) -> Column:
    """A stored column, or NULL for a column ``merge_schema`` is about to add."""
    name = stored.find(column)
    if name is None:
        return F.lit(None).cast(event_schema[column].dataType).alias(column)
    return F.col(backticked(name)).alias(column)


def pruning_bound(min_sequence: Any, data_type: DataType) -> Any:
    """A constant lower bound on ``valid_to`` that Delta can skip files with, or ``None``."""
    if min_sequence is None or isinstance(data_type, StructType | ArrayType):
        return None
    if isinstance(data_type, TimestampType):
        # Collected timestamps pass through Python's local time zone; a day's margin keeps
        # the bound below the true minimum whatever that zone does around DST changes.
        return min_sequence - datetime.timedelta(days=1)
    return min_sequence


def staged_changes(batch: ChangeBatch, old: DataFrame | None, options: Scd2Options) -> DataFrame:
    """The rows the MERGE writes (and the conflict and ignored-delete markers), computed
    from one stream of events clustered by key: no further shuffle, no join."""
    spec = batch.spec
    stream = _batch_events(batch, old)
    if old is not None:
        stream = stream.unionByName(_events_of(old, spec, options))
    clustered = stream.repartition(_partitions(batch), *spec.keys)
    timeline = _one_event_per_sequence(clustered, spec, options)
    if options.ignore_null_updates:
        timeline = _fill_null_updates(timeline, spec)
    runs = _runs(timeline, spec, options)
    return _writes_of(runs, spec, options)


def _partitions(batch: ChangeBatch) -> int:
    """Partitions for the event stream: at least two (both cores of a small machine), about
    one per ``ROWS_PER_PARTITION`` events, at most ``spark.sql.shuffle.partitions``."""
    setting = batch.events.sparkSession.conf.get("spark.sql.shuffle.partitions", "200")
    ceiling = int(setting) if setting and setting.isdigit() else 200
    wanted = -(-batch.count // ROWS_PER_PARTITION)
    return max(1, min(ceiling, max(2, wanted)))


def _stored_version(spec: ChangeSpec) -> Column:
    return F.struct(
        F.col(END), *[F.col(backticked(c)) for c in spec.payload], F.col(SEQUENCES)
    ).alias(OLD)


def _batch_events(batch: ChangeBatch, old: DataFrame | None) -> DataFrame:
    spec = batch.spec
    events = batch.events
    if old is not None:
        no_version = F.when(F.lit(False), _stored_version(spec))
        typed = old.select(no_version.alias(OLD)).schema[OLD].dataType
    else:
        typed = StructType(
            [
                StructField(END, spec.sequence_type),
                *[events.schema[c] for c in spec.payload],
                StructField(SEQUENCES, ArrayType(spec.sequence_type)),
            ]
        )
    return events.select(
        *spec.keys,
        SEQ,
        DELETE,
        *spec.payload,
        F.lit(True).alias(ORIGIN),
        F.lit(False).alias(CANDIDATE),
        F.lit(None).cast(typed).alias(OLD),
    )


def _events_of(old: DataFrame, spec: ChangeSpec, options: Scd2Options) -> DataFrame:
    """Stored versions as events: an upsert per absorbed sequence (the one at the start
    carrying the stored version), a delete per sequence kept outside the interval, and a
    candidate delete at the end, which stands unless a stored version starts there."""
    absorbed = F.transform(
        F.col(SEQUENCES), lambda s: F.struct(s.alias(SEQ), F.lit(False).alias(CANDIDATE))
    )
    closing = F.filter(
        F.array(F.struct(F.col(END).alias(SEQ), F.lit(True).alias(CANDIDATE))),
        lambda entry: entry[SEQ].isNotNull(),
    )
    exploded = old.select("*", F.explode(F.concat(absorbed, closing)).alias(ENTRY)).select(
        "*", F.col(f"{ENTRY}.{SEQ}").alias(SEQ), F.col(f"{ENTRY}.{CANDIDATE}").alias(CANDIDATE)
    )
    sequence = F.col(SEQ)
    inside = (sequence >= F.col(START)) & (F.col(END).isNull() | (sequence < F.col(END)))
    upsert = ~F.col(CANDIDATE) & inside
    payload = (
        spec.with_sequence_column(sequence)
        if options.sequences
        else [F.col(backticked(c)) for c in spec.payload]
    )
    return exploded.select(
        *spec.keys,
        SEQ,
        (~upsert).alias(DELETE),
        *[
            F.when(upsert, value).alias(name)
            for name, value in zip(spec.payload, payload, strict=True)
        ],
        F.lit(False).alias(ORIGIN),
        CANDIDATE,
        F.when(~F.col(CANDIDATE) & (sequence == F.col(START)), _stored_version(spec)).alias(OLD),
    )


def _one_event_per_sequence(events: DataFrame, spec: ChangeSpec, options: Scd2Options) -> DataFrame:
    """Batch and stored events at the same key and sequence become one: a delete wins, a
    replayed event is absorbed, different tracked values are a conflict."""
    payload = F.struct(*[F.col(backticked(c)) for c in spec.payload])
    upsert = ~F.col(DELETE)
    stored = ~F.col(ORIGIN)
    grouped = events.groupBy(*spec.keys, SEQ).agg(
        F.max(F.col(ORIGIN) & F.col(DELETE)).alias(BATCH_DELETE),
        F.max(stored & F.col(DELETE) & ~F.col(CANDIDATE)).alias(TARGET_DELETE),
        F.max(F.col(CANDIDATE)).alias(CANDIDATE),
        F.max(stored & upsert).alias(STORED_UPSERT),
        F.first(F.when(F.col(ORIGIN) & upsert, payload), ignorenulls=True).alias(BATCH_PAYLOAD),
        F.first(F.when(stored & upsert, payload), ignorenulls=True).alias(TARGET_PAYLOAD),
        F.first(OLD, ignorenulls=True).alias(OLD),
    )
    target_delete = F.col(TARGET_DELETE) | (F.col(CANDIDATE) & ~F.col(STORED_UPSERT))
    both = F.col(BATCH_PAYLOAD).isNotNull() & F.col(TARGET_PAYLOAD).isNotNull()
    conflict = both & ~_same_tracked(options)
    first, second = (
        (TARGET_PAYLOAD, BATCH_PAYLOAD)
        if options.ignore_null_updates
        else (BATCH_PAYLOAD, TARGET_PAYLOAD)
    )
    chosen = F.coalesce(F.col(first), F.col(second))
    delete = F.col(BATCH_DELETE) | target_delete
    return grouped.select(
        *spec.keys,
        SEQ,
        delete.alias(DELETE),
        (F.col(BATCH_DELETE) & ~target_delete).alias(FRESH_DELETE),
        (conflict & ~delete).alias(CONFLICT),
        *[chosen[c].alias(c) for c in spec.payload],
        OLD,
    )


def _same_tracked(options: Scd2Options) -> Column:
    checks = []
    for column in options.tracked:
        batch = F.col(BATCH_PAYLOAD)[column]
        same = batch.eqNullSafe(F.col(TARGET_PAYLOAD)[column])
        checks.append(batch.isNull() | same if options.ignore_null_updates else same)
    return functools.reduce(lambda a, b: a & b, checks, F.lit(True))


def _fill_null_updates(timeline: DataFrame, spec: ChangeSpec) -> DataFrame:
    """A NULL in an upsert keeps the value of the key's previous event (not across deletes)."""
    ordered = Window.partitionBy(*spec.keys).orderBy(SEQ)
    segmented = timeline.withColumn(
        SEGMENT,
        F.sum(F.col(DELETE).cast("long")).over(
            ordered.rowsBetween(Window.unboundedPreceding, Window.currentRow)
        ),
    )
    within = (
        Window.partitionBy(*spec.keys, SEGMENT)
        .orderBy(SEQ)
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    filled = [
        F.col(c) if c == spec.sequence_column else F.last(c, ignorenulls=True).over(within).alias(c)
        for c in spec.payload
    ]
    return segmented.select(*spec.keys, SEQ, DELETE, FRESH_DELETE, CONFLICT, *filled, OLD)


def _runs(timeline: DataFrame, spec: ChangeSpec, options: Scd2Options) -> DataFrame:
    """Consecutive upserts with equal tracked values form a run, which becomes a version;
    each delete is a run of its own. A delete that closes nothing is kept with the nearest
    version (before it, else after it) so a later late event still sees it; with no
    version at all it is ignored. Each run lists the stored versions starting inside it."""
    ordered = Window.partitionBy(*spec.keys).orderBy(SEQ)
    previous_delete = F.lag(DELETE).over(ordered)
    same = functools.reduce(
        lambda a, b: a & b,
        [F.col(c).eqNullSafe(F.lag(c).over(ordered)) for c in options.tracked],
        F.lit(True),
    )
    new_run = F.col(DELETE) | previous_delete.isNull() | previous_delete | ~same
    numbered = timeline.withColumn(
        RUN,
        F.sum(new_run.cast("long")).over(
            ordered.rowsBetween(Window.unboundedPreceding, Window.currentRow)
        ),
    )
    payload = F.struct(*[F.col(backticked(c)) for c in spec.payload])
    runs = numbered.groupBy(*spec.keys, RUN).agg(
        F.min(SEQ).alias(START),
        F.max(DELETE).alias(DELETE),
        F.max(FRESH_DELETE).alias(FRESH_DELETE),
        F.min(F.when(F.col(CONFLICT), F.col(SEQ))).alias(CONFLICT_SEQ),
        F.max_by(payload, SEQ).alias(TAIL),
        F.collect_list(SEQ).alias(SEQUENCES),
        F.collect_list(
            F.when(F.col(OLD).isNotNull(), F.struct(F.col(SEQ).alias(START), F.col(OLD)))
        ).alias(STORED),
    )
    by_start = Window.partitionBy(*spec.keys).orderBy(START)
    version_start = F.when(~F.col(DELETE), F.col(START))
    previous_delete_run = F.lag(DELETE).over(by_start)
    dangling = F.col(DELETE) & (previous_delete_run.isNull() | previous_delete_run)
    owner = F.coalesce(
        F.last(version_start, ignorenulls=True).over(
            by_start.rowsBetween(Window.unboundedPreceding, -1)
        ),
        F.first(version_start, ignorenulls=True).over(
            by_start.rowsBetween(1, Window.unboundedFollowing)
        ),
    )
    runs = runs.select(
        "*",
        F.lead(START).over(by_start).alias(END),
        F.when(dangling, owner).alias(OWNER),
        (dangling & owner.isNull() & F.col(FRESH_DELETE)).alias(IGNORED),
        F.col(CONFLICT_SEQ).isNotNull().alias(CONFLICT),
    )
    if not options.sequences:
        return runs
    kept = F.collect_list(
        F.when(F.col(OWNER).isNotNull(), F.struct(F.col(OWNER).alias(OWNER), F.col(START)))
    ).over(Window.partitionBy(*spec.keys))
    attached = F.transform(
        F.filter(kept, lambda entry: entry[OWNER] == F.col(START)), lambda entry: entry[START]
    )
    return runs.withColumn(SEQUENCES, F.array_sort(F.concat(SEQUENCES, attached)))


def _writes_of(runs: DataFrame, spec: ChangeSpec, options: Scd2Options) -> DataFrame:
    """Compare each run with the stored version starting where it starts: insert, update
    or nothing; stored versions starting elsewhere in a run (or at a delete) are deleted."""
    new = F.struct(
        F.col(END).alias(END),
        *[F.col(f"{TAIL}.{backticked(c)}").alias(c) for c in spec.payload],
        F.col(SEQUENCES),
    )
    at_start = F.get(F.filter(STORED, lambda entry: entry[START] == F.col(START)), 0)[OLD]
    old = F.when(~F.col(DELETE), at_start)
    action = (
        F.when(F.col(DELETE), F.lit(None))
        .when(old.isNull(), F.lit("insert"))
        .when(~equal_versions(new, old, spec, options), F.lit("update"))
    )
    no_values = F.when(F.lit(False), new)
    no_end = F.when(F.lit(False), F.col(START))

    def row(start: Column, act: Column, values: Column, old_end: Column) -> Column:
        return F.struct(
            start.alias(START), act.alias(ACTION), values.alias(NEW), old_end.alias(OLD_END)
        )

    stale = F.filter(STORED, lambda entry: F.col(DELETE) | (entry[START] != F.col(START)))
    written = F.concat(
        F.array(
            row(F.col(START), action.cast("string"), new, old[END]),
            row(
                F.col(CONFLICT_SEQ),
                F.when(F.col(CONFLICT), F.lit("conflict")),
                no_values,
                no_end,
            ),
            row(F.col(START), F.when(F.col(IGNORED), F.lit("ignored")), no_values, no_end),
        ),
        F.transform(
            stale, lambda entry: row(entry[START], F.lit("delete"), no_values, entry[OLD][END])
        ),
    )
    staged = runs.select(*spec.keys, F.explode(written).alias(ROW)).where(
        F.col(f"{ROW}.{ACTION}").isNotNull()
    )
    return staged.select(
        *spec.keys,
        F.col(f"{ROW}.{START}").alias(START),
        F.when(F.col(f"{ROW}.{ACTION}").isin("update", "delete"), F.col(f"{ROW}.{START}")).alias(
            MATCH
        ),
        F.col(f"{ROW}.{ACTION}").alias(ACTION),
        F.col(f"{ROW}.{NEW}.{END}").alias(END),
        *[F.col(f"{ROW}.{NEW}.{backticked(c)}").alias(c) for c in spec.payload],
        F.col(f"{ROW}.{NEW}.{SEQUENCES}").alias(SEQUENCES),
        F.col(f"{ROW}.{OLD_END}").alias(OLD_END),
    )


def equal_versions(new: Column, old: Column, spec: ChangeSpec, options: Scd2Options) -> Column:
    fields = [END, *spec.payload]
    if options.sequences:
        fields.append(SEQUENCES)
    checks = [new[f].eqNullSafe(old[f]) for f in fields]
    return functools.reduce(lambda a, b: a & b, checks)
