"""scd2_merge's plans for in-order batches (direct, and pre-joined for the options the direct
plan cannot serve): the same tables and results as the general plan, and a clean hand-over
to the general plan (nothing written twice) when a batch is not in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from databricks_utils.delta import MergeInputError, MergeResult, _scd2_run, scd2_merge
from tests.delta.conftest import version_of

pytestmark = pytest.mark.spark

SCHEMA = "id INT, v STRING, w STRING, seq INT, op STRING"

# One event per key per batch, each after the key's history: opens, extends, changes to and
# from NULL, changes of an untracked column, deletes, and a key re-opened after its delete.
IN_ORDER_BATCHES: list[list[tuple[Any, ...]]] = [
    [(1, "a", "x", 10, "U"), (2, "b", None, 10, "U"), (3, "c", "z", 10, "U")],
    [(1, "a", "y", 20, "U"), (2, None, "q", 20, "U"), (3, "c", "z", 20, "D")],
    [(1, "b", None, 30, "U"), (2, "b", "q", 30, "U"), (4, "d", "w", 30, "U")],
    [
        (1, "b", None, 40, "D"),
        (2, None, None, 40, "U"),
        (3, "e", "z", 40, "U"),
        (4, "d", "w", 40, "U"),
    ],
]

OPTIONS = [
    pytest.param({}, "direct", id="defaults"),
    pytest.param(
        {"track_history": ["v"], "current_flag": "is_current", "valid_to": "until"},
        "direct",
        id="direct-with-options",
    ),
    pytest.param(
        {
            "track_sequences": False,
            "ignore_null_updates": True,
            "track_history": ["v"],
            "current_flag": "is_current",
        },
        "pre-joined",
        id="every-option",
    ),
]


FAST_PLANS = {"direct": "run_direct", "pre-joined": "_run_in_order"}


@pytest.fixture
def in_order_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Records each attempt of a fast plan: the plan, and whether it wrote the batch."""
    runs: list[tuple[str, bool]] = []

    def recorder(plan: str, original: Callable[..., MergeResult | None]) -> Any:
        def recorded(*args: Any) -> MergeResult | None:
            result = original(*args)
            runs.append((plan, result is not None))
            return result

        return recorded

    for plan, function in FAST_PLANS.items():
        monkeypatch.setattr(_scd2_run, function, recorder(plan, getattr(_scd2_run, function)))
    return runs


def _general_plan_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for function in FAST_PLANS.values():
        monkeypatch.setattr(_scd2_run, function, lambda *args: None)


def _apply(spark: Any, table: str, rows: list[tuple[Any, ...]], **options: Any) -> MergeResult:
    return _merge_table(table, spark.createDataFrame(rows, SCHEMA), **options)


def _merge_table(table: str, events: Any, **options: Any) -> MergeResult:
    return scd2_merge(
        table, events, "id", "seq", delete_when="op = 'D'", except_columns=["op"], **options
    )


def _stored(spark: Any, table: str, *columns: str) -> list[tuple[Any, ...]]:
    """The table's rows as sorted tuples of ``columns``."""
    return sorted(tuple(r) for r in spark.table(table).select(*columns).collect())


@pytest.mark.parametrize(("options", "plan"), OPTIONS)
def test_in_order_batches_give_the_general_plans_table_and_results(
    spark: Any,
    monkeypatch: pytest.MonkeyPatch,
    in_order_runs: list[tuple[str, bool]],
    options: dict[str, Any],
    plan: str,
) -> None:
    from chispa import assert_df_equality

    fast, general = "in_order_fast", "in_order_general"
    spark.sql(f"DROP TABLE IF EXISTS {fast}")
    spark.sql(f"DROP TABLE IF EXISTS {general}")
    try:
        fast_results = [_apply(spark, fast, rows, **options) for rows in IN_ORDER_BATCHES]
        assert in_order_runs == [(plan, True)] * (len(IN_ORDER_BATCHES) - 1)

        _general_plan_only(monkeypatch)
        general_results = [_apply(spark, general, rows, **options) for rows in IN_ORDER_BATCHES]

        assert fast_results == general_results
        assert_df_equality(
            spark.table(fast), spark.table(general), ignore_row_order=True, ignore_nullable=True
        )
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {fast}")
        spark.sql(f"DROP TABLE IF EXISTS {general}")


def test_a_late_event_hands_over_to_the_general_plan_in_one_commit(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    _apply(spark, table, [(1, "a", "x", 10, "U"), (2, "b", "x", 10, "U")])
    _apply(spark, table, [(1, "a", "x", 20, "U"), (2, "c", "x", 30, "U")])
    before = version_of(spark, table)

    result = _apply(spark, table, [(1, "b", "x", 15, "U"), (2, "d", "x", 40, "U")])

    assert in_order_runs == [("direct", True), ("direct", False)]
    assert result == MergeResult(inserted=3, updated=2, deleted=0, version=before + 1)
    assert version_of(spark, table) == before + 1
    assert _stored(spark, table, "id", "v", "__START_AT", "__END_AT", "__SEQUENCES") == [
        (1, "a", 10, 15, None),
        (1, "a", 20, None, None),
        (1, "b", 15, 20, None),
        (2, "b", 10, 30, None),
        (2, "c", 30, 40, None),
        (2, "d", 40, None, None),
    ]


def test_a_replayed_batch_and_a_stray_delete_write_nothing(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    batch = [(1, "a", "x", 10, "U")]
    _apply(spark, table, batch)
    before = version_of(spark, table)

    replay = _apply(spark, table, batch)
    stray = _apply(spark, table, [(9, None, None, 20, "D")])

    assert in_order_runs == [("direct", False), ("direct", False)]
    assert replay == MergeResult(inserted=0, updated=0, deleted=0, version=None)
    assert stray == MergeResult(0, 0, 0, None, ignored_deletes=1)
    assert version_of(spark, table) == before


def test_timestamp_sequences_take_the_in_order_plan(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    from datetime import datetime

    from chispa import assert_df_equality

    schema = "id INT, v STRING, ts TIMESTAMP"
    first, second, third = datetime(2026, 1, 1), datetime(2026, 1, 2), datetime(2026, 1, 3)
    for rows in ([(1, "a", first), (2, "b", first)], [(1, "c", second)], [(2, "b", third)]):
        scd2_merge(table, spark.createDataFrame(rows, schema), "id", "ts")

    assert in_order_runs == [("direct", True), ("direct", True)]
    expected = spark.createDataFrame(
        [
            (1, "a", first, first, second, None),
            (1, "c", second, second, None, None),
            (2, "b", third, first, None, [first, third]),
        ],
        f"{schema}, __START_AT TIMESTAMP, __END_AT TIMESTAMP, __SEQUENCES ARRAY<TIMESTAMP>",
    )
    assert_df_equality(spark.table(table), expected, ignore_row_order=True, ignore_nullable=True)


def test_several_events_for_a_new_key_hand_over_to_the_general_plan(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    _apply(spark, table, [(1, "a", "x", 10, "U")])
    before = version_of(spark, table)
    # Nothing stored matches key 2, so only the batch itself can tell its events apart.
    batch = [(2, "a", "x", 10, "U"), (2, "b", "x", 20, "U"), (2, "b", "x", 20, "U")]

    result = _apply(spark, table, batch)

    # Refused by the direct plan's MERGE while it materializes its source.
    assert in_order_runs == [("direct", False)]
    assert result == MergeResult(inserted=2, updated=0, deleted=0, version=before + 1)
    assert _stored(spark, table, "id", "v", "__START_AT", "__END_AT", "__SEQUENCES") == [
        (1, "a", 10, None, None),
        (2, "a", 10, 20, None),
        (2, "b", 20, None, None),
    ]


def test_an_empty_batch_writes_nothing_through_the_direct_plan(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    _apply(spark, table, [(1, "a", "x", 10, "U")])
    before = version_of(spark, table)

    result = _apply(spark, table, [])

    assert in_order_runs == [("direct", True)]
    assert result == MergeResult(inserted=0, updated=0, deleted=0, version=None)
    assert version_of(spark, table) == before


def test_a_null_key_is_refused_with_the_table_unchanged(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    _apply(spark, table, [(1, "a", "x", 10, "U")])
    before = version_of(spark, table)

    with pytest.raises(MergeInputError, match=re.escape("key column 'id' has 1 NULL value(s)")):
        _apply(spark, table, [(None, "a", "x", 20, "U"), (2, "b", "x", 20, "U")])

    assert in_order_runs == [("direct", False)]
    assert version_of(spark, table) == before


def test_a_delta_table_source_takes_the_direct_plan_and_hands_over_the_same_way(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    # A source read from a Delta table: the MERGE source's check stops a batch with several
    # events for a key as it does for any other source.
    source = f"{table}_source"
    spark.sql(f"DROP TABLE IF EXISTS {source}")
    try:
        _apply(spark, table, [(1, "a", "x", 10, "U")])
        first = [(1, "b", "x", 20, "U"), (2, "a", "x", 20, "U")]
        spark.createDataFrame(first, SCHEMA).write.format("delta").saveAsTable(source)
        before = version_of(spark, table)

        in_order = _merge_table(table, spark.table(source))
        # Several events for a stored key and for a new one, none of them late.
        later = [
            (2, "b", "x", 30, "U"),
            (2, "c", "x", 40, "U"),
            (3, "a", "x", 30, "U"),
            (3, "b", "x", 40, "U"),
        ]
        spark.createDataFrame(later, SCHEMA).write.format("delta").mode("overwrite").saveAsTable(
            source
        )
        handed_over = _merge_table(table, spark.table(source))

        assert in_order_runs == [("direct", True), ("direct", False)]
        assert in_order == MergeResult(inserted=2, updated=1, deleted=0, version=before + 1)
        assert handed_over == MergeResult(inserted=4, updated=1, deleted=0, version=before + 2)
        assert _stored(spark, table, "id", "v", "__START_AT", "__END_AT", "__SEQUENCES") == [
            (1, "a", 10, 20, None),
            (1, "b", 20, None, None),
            (2, "a", 20, 30, None),
            (2, "b", 30, 40, None),
            (2, "c", 40, None, None),
            (3, "a", 30, 40, None),
            (3, "b", 40, None, None),
        ]
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {source}")


def test_the_checks_hold_when_delta_does_not_materialize_the_merge_source(
    spark: Any, table: str, in_order_runs: list[tuple[str, bool]]
) -> None:
    setting = "spark.databricks.delta.merge.materializeSource"
    previous = spark.conf.get(setting, None)
    spark.conf.set(setting, "none")
    try:
        _apply(spark, table, [(1, "a", "x", 10, "U")])
        before = version_of(spark, table)

        with pytest.raises(MergeInputError, match=re.escape("key column 'id' has 1 NULL")):
            _apply(spark, table, [(None, "a", "x", 20, "U"), (2, "b", "x", 20, "U")])
        assert version_of(spark, table) == before
        several = _apply(spark, table, [(2, "a", "x", 20, "U"), (2, "b", "x", 30, "U")])

        assert in_order_runs == [("direct", False), ("direct", False)]
        assert several == MergeResult(inserted=2, updated=0, deleted=0, version=before + 1)
        assert _stored(spark, table, "id", "v", "__START_AT", "__END_AT") == [
            (1, "a", 10, None),
            (2, "a", 20, 30),
            (2, "b", 30, None),
        ]
    finally:
        if previous is None:
            spark.conf.unset(setting)
        else:
            spark.conf.set(setting, previous)
