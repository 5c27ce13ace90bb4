"""Property: any batching and arrival order of a set of events gives the same SCD2 table,
equal to the one a small pure-Python model computes from all events at once."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from databricks_utils.delta import scd2_merge

pytestmark = pytest.mark.spark

Event = tuple[int, int, str, str | None]  # key, sequence, op ("U" / "D"), value
Version = tuple[int, str | None, int, int, int | None, tuple[int, ...]]

_tables = itertools.count()


def reference_history(events: list[Event]) -> set[tuple[int, str | None, int, int | None]]:
    """Versions (key, value, start, end) from all events at once, by AUTO CDC's rules."""
    versions: set[tuple[int, str | None, int, int | None]] = set()
    for key in sorted({e[0] for e in events}):
        by_sequence: dict[int, tuple[str, str | None]] = {}
        for _, sequence, op, value in events:
            if _ != key:
                continue
            if op == "D" or sequence not in by_sequence:
                by_sequence[sequence] = (op, value)
        current: list[Any] | None = None
        for sequence in sorted(by_sequence):
            op, value = by_sequence[sequence]
            if op == "D":
                if current is not None:
                    versions.add((key, current[0], current[1], sequence))
                current = None
            elif current is None:
                current = [value, sequence]
            elif current[0] != value:
                versions.add((key, current[0], current[1], sequence))
                current = [value, sequence]
        if current is not None:
            versions.add((key, current[0], current[1], None))
    return versions


@st.composite
def event_streams(draw: st.DrawFn) -> tuple[list[Event], list[list[Event]]]:
    """Events for a few keys, split into batches arriving in a random order, with each
    key's earliest upsert arriving no later than any delete of that key."""
    events: list[Event] = []
    for key in range(draw(st.integers(1, 3))):
        sequences = draw(st.lists(st.integers(1, 12), min_size=1, max_size=6, unique=True))
        for sequence in sequences:
            op = draw(st.sampled_from(["U", "U", "U", "D"]))
            value = None if op == "D" else draw(st.sampled_from(["a", "b", None]))
            events.append((key, sequence, op, value))
            if draw(st.booleans()) and op == "U" and len(events) % 3 == 0:
                events.append((key, sequence, op, value))  # an exact duplicate
    batch_count = draw(st.integers(1, 3))
    assignment = [draw(st.integers(0, batch_count - 1)) for _ in events]
    batches = [
        [e for e, b in zip(events, assignment, strict=True) if b == i] for i in range(batch_count)
    ]
    batches = [b for b in batches if b]
    order = draw(st.permutations(range(len(batches))))
    ordered = [batches[i] for i in order]
    return events, _upserts_first(ordered)


def _upserts_first(batches: list[list[Event]]) -> list[list[Event]]:
    """Move each key's earliest upsert into the first batch holding an event of that key."""
    result = [list(b) for b in batches]
    keys = {e[0] for b in batches for e in b}
    for key in keys:
        upserts = [e for b in batches for e in b if e[0] == key and e[2] == "U"]
        if not upserts:
            continue
        earliest = min(upserts, key=lambda e: e[1])
        first = next(i for i, b in enumerate(result) if any(e[0] == key for e in b))
        for batch in result:
            while earliest in batch:
                batch.remove(earliest)
        result[first].append(earliest)
    return [b for b in result if b]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=event_streams())
def test_history_depends_only_on_the_set_of_events(spark: Any, stream: Any) -> None:
    events, batches = stream
    table = f"scd2_property_{next(_tables)}"
    try:
        for batch in batches:
            rows = spark.createDataFrame(batch, "id INT, seq INT, op STRING, v STRING")
            scd2_merge(table, rows, "id", "seq", delete_when="op = 'D'", except_columns=["op"])
        actual = {(r.id, r.v, r["__START_AT"], r["__END_AT"]) for r in spark.table(table).collect()}
        assert actual == reference_history(events)
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {table}")
