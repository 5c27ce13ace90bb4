"""Running ``scd2_merge``: the direct or the in-order plan when it applies, else the general
one; one MERGE, so at most one commit, whichever runs."""

from __future__ import annotations

from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from databricks_utils.delta import _sql as sql
from databricks_utils.delta._changes import (
    SEQ,
    ChangeBatch,
    ChangeSpec,
    change_events,
    collect_batch,
    describe_examples,
)
from databricks_utils.delta._materialize import checkpoint, release
from databricks_utils.delta._merge_statement import MergeCounts
from databricks_utils.delta._scd2_direct import run_direct, takes_direct_plan
from databricks_utils.delta._scd2_in_order import in_order_result, in_order_writes
from databricks_utils.delta._scd2_plan import (
    ACTION,
    END,
    MATCH,
    OLD_END,
    SEQUENCES,
    START,
    Scd2Options,
    check_target_schema,
    old_versions,
    pruning_bound,
    staged_changes,
    stored_sequences,
)
from databricks_utils.delta._setup import Setup
from databricks_utils.delta._sql import Sql
from databricks_utils.delta._target import Target
from databricks_utils.delta.columns import backticked
from databricks_utils.delta.errors import MergeInputError
from databricks_utils.delta.result import MergeResult

_WRITES = ("insert", "update", "delete")


def run_scd2(
    setup: Setup, source: DataFrame, delete_when: str | Column | None, options: Scd2Options
) -> MergeResult:
    """Apply the change events in ``source`` to the target in at most one commit."""
    target, spec = setup.target, setup.spec
    direct = target.exists and takes_direct_plan(options)
    if target.exists:
        check_target_schema(target, spec, options)
    events = change_events(source, spec, setup.sequence, delete_when)
    if direct:
        result = run_direct(target, events, spec, options)
        if result is not None:
            return result
    batch = collect_batch(events, spec)
    return _run_batch(target, batch, options, in_order=target.exists and not direct)


def _run_batch(
    target: Target, batch: ChangeBatch, options: Scd2Options, *, in_order: bool
) -> MergeResult:
    """The collected batch through the pre-joined in-order plan when ``in_order`` and it
    applies, else through the general plan."""
    try:
        if target.exists and batch.count == 0:
            return MergeResult(0, 0, 0, None, 0)
        if in_order and batch.most_events_per_key == 1:
            result = _run_in_order(target, batch, options)
            if result is not None:
                return result
        return _run_general(target, batch, options)
    finally:
        batch.release()


def _run_in_order(target: Target, batch: ChangeBatch, options: Scd2Options) -> MergeResult | None:
    """The in-order plan's result, or ``None`` (nothing written) when the batch is not in
    order after the stored history."""
    writes = in_order_writes(target, batch, options)
    open_versions = sql.target(options.valid_to).is_null()
    return in_order_result(
        target,
        lambda: _merge(target, writes, batch.spec, options, open_versions, deletes=False),
    )


def _run_general(target: Target, batch: ChangeBatch, options: Scd2Options) -> MergeResult:
    spec = batch.spec
    old = old_versions(target, batch, options) if target.exists else None
    try:
        staged = checkpoint(staged_changes(batch, old, options))
        try:
            summary = (
                staged.groupBy(ACTION)
                .agg(F.count(F.lit(1)).alias("count"), F.min(OLD_END).alias("lowest_end"))
                .collect()
            )
            counts = {row[ACTION]: int(row["count"]) for row in summary}
            lowest_end = min(
                (row["lowest_end"] for row in summary if row["lowest_end"] is not None),
                default=None,
            )
            if counts.get("conflict"):
                _raise_conflicts(staged, spec, counts["conflict"])
            ignored = counts.get("ignored", 0)
            if not any(counts.get(action) for action in _WRITES) and target.exists:
                return MergeResult(0, 0, 0, None, ignored)
            writes = staged.where(F.col(ACTION).isin(*_WRITES))
            if not target.exists:
                version = target.create(writes.select(*_target_values(spec, options)))
            else:
                _merge(target, writes, spec, options, _rewritten_rows(batch, options, lowest_end))
                version = target.latest_version()
            return MergeResult(
                inserted=counts.get("insert", 0),
                updated=counts.get("update", 0),
                deleted=counts.get("delete", 0),
                version=version,
                ignored_deletes=ignored,
            )
        finally:
            release(staged)
    finally:
        if old is not None:
            release(old)


def _rewritten_rows(batch: ChangeBatch, options: Scd2Options, lowest_end: Any) -> Sql | None:
    """Every row the general plan rewrites is current or ends at or after the lowest end
    among them, so older closed rows can be skipped file by file."""
    lowest = min((v for v in (batch.min_sequence, lowest_end) if v is not None), default=None)
    bound = pruning_bound(lowest, batch.spec.sequence_type)
    if bound is None:
        return None
    valid_to = sql.target(options.valid_to)
    return valid_to.is_null() | (valid_to >= sql.typed_lit(bound, batch.spec.sequence_type))


def _target_values(spec: ChangeSpec, options: Scd2Options) -> list[Column]:
    """The staged columns, named and ordered as the target's."""
    values: dict[str, Column] = {c: F.col(backticked(c)) for c in spec.columns}
    values[options.valid_from] = F.col(START)
    values[options.valid_to] = F.col(END)
    if options.current_flag:
        values[options.current_flag] = F.col(END).isNull()
    if options.sequences:
        values[options.sequences] = stored_sequences(
            sql.column(SEQUENCES), sql.column(START)
        ).column()
    return [value.alias(name) for name, value in values.items()]


def _merge(
    target: Target,
    writes: DataFrame,
    spec: ChangeSpec,
    options: Scd2Options,
    target_rows: Sql | None,
    *,
    deletes: bool = True,
) -> MergeCounts:
    """MERGE ``writes`` into ``target``; ``target_rows`` limits the rows it can match, and
    without ``deletes`` the MERGE has no delete clause. Returns the rows inserted, updated
    and deleted."""
    matches = [sql.keys_match(spec.keys), sql.target(options.valid_from) == sql.source(MATCH)]
    if target_rows is not None:
        matches.append(target_rows)
    assignments = dict(
        zip([*spec.columns, *options.maintained], _source_assignments(spec, options), strict=True)
    )
    action = sql.source(ACTION)
    merge = target.merge(sql.all_of(matches))
    if deletes:
        merge = merge.when_matched_delete(action == "delete")
    merge = merge.when_matched_update(assignments, action == "update")
    merge = merge.when_not_matched_insert(assignments, action == "insert")
    return merge.with_schema_evolution(options.merge_schema).execute(writes)


def _source_assignments(spec: ChangeSpec, options: Scd2Options) -> list[Sql]:
    values = [sql.source(c) for c in spec.columns]
    values += [sql.source(START), sql.source(END)]
    if options.current_flag:
        values.append(sql.source(END).is_null())
    if options.sequences:
        values.append(stored_sequences(sql.source(SEQUENCES), sql.source(START)))
    return values


def _raise_conflicts(staged: DataFrame, spec: ChangeSpec, count: int) -> None:
    examples = describe_examples(
        staged.where(F.col(ACTION) == "conflict").select(*spec.keys, F.col(START).alias(SEQ)),
        spec,
    )
    raise MergeInputError(
        f"{count} version(s) would absorb an upsert whose tracked values differ from the "
        f"event already stored at the same sequence '{spec.sequence_label}' (for example "
        f"{examples}); give each change its own sequence (nothing was written)"
    )
