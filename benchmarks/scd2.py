"""SCD2 upsert and dedup speed, side by side in one run, printed as ratios.

Compares on the same data (a dimension of N keys, 1% of the keys changed, in order, one
event per key):

* ``scd2_merge`` (this library),
* mack's ``type_2_scd_upsert`` (install it in the benchmark environment only:
  ``pip install --no-deps mack==0.5.0``; skipped when missing),
* a plain SCD1 Delta MERGE of the same batch (the floor: one MERGE, no history).

Then how ``scd2_merge`` grows from a 1M- to a 5M-row dimension at a fixed batch, and
``deduplicate`` against a ``row_number()`` window on 5M rows, next to a ``max(struct)``
aggregate and Spark's own ``dropDuplicates`` (which keeps an arbitrary row).

Each approach first runs ``--warmup`` unmeasured rounds (JIT and code generation warm-up,
paid once per process), then ``--rounds`` measured ones, each round starting with another
approach. Printed: medians, the median of the per-round ratios (the approaches of one round
share the machine's state, so the paired ratio is steadier than a ratio of medians), and
where each MERGE spent its time (Delta's ``operationMetrics``: materializing the source,
which for mack includes its pre-join; the scan for matches; the rewrite) and how many classes
Spark compiled for each call.

``--deletion-vectors`` compares on tables with deletion vectors (as Databricks' "Auto-Enable
Deletion Vectors" workspace setting creates new tables), where a MERGE writes only the
changed rows instead of rewriting each touched file.

Run: ``python benchmarks/scd2.py [--rows 1000000] [--large 5000000] [--rounds 5] [--warmup 1]
[--deletion-vectors] [--skip scaling dedup]``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# benchmarks/logging.py would shadow the standard library's logging for `python benchmarks/…`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


OURS = "scd2_merge"
PLAIN = "plain SCD1 MERGE"
MACK = "mack type_2_scd_upsert"
WINDOW = "row_number() window"
#: Printed phase → Delta MERGE operation metric (milliseconds).
PHASES = {
    "source": "materializeSourceTimeMs",
    "scan": "scanTimeMs",
    "rewrite": "rewriteTimeMs",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--large", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--dedup-rows", type=int, default=5_000_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["scaling", "dedup"])
    parser.add_argument(
        "--deletion-vectors",
        action="store_true",
        help="compare on tables with deletion vectors (as Databricks' Auto-Enable Deletion "
        "Vectors workspace setting creates new tables)",
    )
    args = parser.parse_args()

    spark = _session()
    print(f"Spark {spark.version}, {spark.sparkContext.defaultParallelism} cores\n")

    rounds = _compare_upserts(
        spark,
        args.rows,
        args.changed,
        args.rounds,
        args.warmup,
        deletion_vectors=args.deletion_vectors,
    )
    upserts = _median_seconds(rounds)
    floor = upserts[PLAIN]
    print(
        f"\nSCD2 upsert of {int(args.rows * args.changed):,} changed keys into {args.rows:,} rows"
        f" ({_layout(args)})"
    )
    print(
        f"{'approach':<24}{'median s':>10}{'vs plain MERGE':>16}"
        f"{'source s':>10}{'scan s':>8}{'rewrite s':>11}{'compiled':>10}"
    )
    for name, seconds in upserts.items():
        phases = [statistics.median(r.phases[p] for r in rounds[name]) for p in PHASES]
        compiled = statistics.median(r.compiled for r in rounds[name])
        print(
            f"{name:<24}{seconds:>10.2f}{seconds / floor:>15.2f}x"
            f"{phases[0]:>10.2f}{phases[1]:>8.2f}{phases[2]:>11.2f}{compiled:>10.0f}"
        )
    print(
        "compiled: classes Spark generated and compiled per call (median); the approaches\n"
        "share Spark's cache of the last 100 compiled classes, so each call compiles most of\n"
        "its classes again, as a job's first call does"
    )
    ours = [r.seconds for r in rounds[OURS]]
    for other in (PLAIN, MACK):
        if other in rounds:
            paired = _paired(ours, [r.seconds for r in rounds[other]])
            print(f"scd2_merge / {other}, per round: {paired} (below 1 is faster)")

    if "scaling" not in args.skip:
        _scaling(spark, args, upserts)
    if "dedup" not in args.skip:
        dedup = _compare_dedup(spark, args.dedup_rows, args.rounds, args.warmup)
        window = dedup[WINDOW]
        print(f"\nDeduplicate {args.dedup_rows:,} rows (≈2.5 rows per key)")
        print(f"{'approach':<24}{'median s':>10}{'vs window, per round':>30}")
        for name, values in dedup.items():
            print(f"{name:<24}{statistics.median(values):>10.2f}{_paired(values, window):>30}")


def _scaling(spark: Any, args: argparse.Namespace, upserts: dict[str, float]) -> None:
    rounds = _compare_upserts(
        spark,
        args.large,
        args.changed * args.rows / args.large,
        args.rounds,
        args.warmup,
        deletion_vectors=args.deletion_vectors,
        mack=False,
    )
    large = _median_seconds(rounds)
    print(
        f"\nScaling at a fixed batch of {int(args.rows * args.changed):,} changed keys"
        f" ({_layout(args)})"
    )
    for name in (OURS, PLAIN):
        growth = large[name] / upserts[name]
        print(
            f"{name:<24}{args.rows:>11,} rows {upserts[name]:6.2f}s  "
            f"{args.large:>11,} rows {large[name]:6.2f}s  growth {growth:.2f}x"
        )


def _layout(args: argparse.Namespace) -> str:
    return f"tables {'with' if args.deletion_vectors else 'without'} deletion vectors"


def _session() -> Any:
    import importlib.metadata

    from pyspark.sql import SparkSession

    from databricks_utils.session.delta_runtime import delta_coordinate

    versions = (importlib.metadata.version(d) for d in ("pyspark", "delta-spark"))

    warehouse = tempfile.mkdtemp(prefix="scd2-bench-")
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("scd2-benchmark")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog"
        )
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Delta scans its log state in this many tasks per query; 50 (the default) is a fixed
        # cost of ~1 s per query on 2 cores, paid by every approach. Local configs use 2.
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.driver.memory", "6g")
        .config("spark.jars.packages", delta_coordinate(*versions))
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _dimension(spark: Any, rows: int) -> Any:
    from pyspark.sql import functions as F

    return spark.range(rows).select(
        F.col("id"),
        F.concat(F.lit("name-"), F.col("id").cast("string")).alias("name"),
        (F.col("id") % 1000).cast("string").alias("city"),
        (F.col("id") % 97).cast("double").alias("amount"),
    )


def _batch(spark: Any, rows: int, changed: float, round_: int) -> Any:
    from pyspark.sql import functions as F

    step = max(1, int(1 / changed))
    return (
        _dimension(spark, rows)
        .where((F.col("id") + round_) % step == 0)
        .withColumn("city", F.concat(F.col("city"), F.lit(f"-r{round_}")))
        .withColumn("seq", F.lit(round_ + 1).cast("long"))
        .localCheckpoint()
    )


@dataclass(frozen=True)
class Round:
    """One measured call: its wall time, its MERGE's phases (seconds) and the classes Spark
    compiled for it."""

    seconds: float
    phases: dict[str, float]
    compiled: int


def _compare_upserts(
    spark: Any,
    rows: int,
    changed: float,
    rounds: int,
    warmup: int,
    *,
    deletion_vectors: bool,
    mack: bool = True,
) -> dict[str, list[Round]]:
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    from databricks_utils.delta import scd2_merge

    tag = f"n{rows}"
    base = _dimension(spark, rows).withColumn("seq", F.lit(1).cast("long"))
    base.select(
        "*",
        F.col("seq").alias("__START_AT"),
        F.lit(None).cast("long").alias("__END_AT"),
        # As scd2_merge stores it: NULL when a version absorbed only its start.
        F.lit(None).cast("array<long>").alias("__SEQUENCES"),
    ).write.format("delta").saveAsTable(f"ours_{tag}")
    base.write.format("delta").saveAsTable(f"plain_{tag}")
    tables = {OURS: f"ours_{tag}", PLAIN: f"plain_{tag}", MACK: f"mack_{tag}"}
    created = [tables[OURS], tables[PLAIN]]
    approaches: dict[str, Callable[[Any], None]] = {
        OURS: lambda batch: _ignore(scd2_merge(f"ours_{tag}", batch, "id", "seq")),
        PLAIN: lambda batch: _ignore(
            DeltaTable.forName(spark, f"plain_{tag}")
            .alias("t")
            .merge(batch.alias("s"), "t.id = s.id")
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .execute()
        ),
    }
    if mack:
        try:
            import mack as mack_module  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError:
            print("mack is not installed: pip install --no-deps mack==0.5.0 to compare")
        else:
            _dimension(spark, rows).select(
                "*",
                F.lit(True).alias("is_current"),
                F.lit(1).cast("long").alias("effective_time"),
                F.lit(None).cast("long").alias("end_time"),
            ).write.format("delta").saveAsTable(f"mack_{tag}")
            created.append(tables[MACK])
            approaches[MACK] = lambda batch: mack_module.type_2_scd_upsert(
                DeltaTable.forName(spark, f"mack_{tag}"),
                batch.withColumnRenamed("seq", "effective_time"),
                "id",
                ["name", "city", "amount"],
            )
    if deletion_vectors:
        for table in created:
            spark.sql(
                f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableDeletionVectors' = true)"
            )
    timings: dict[str, list[Round]] = {name: [] for name in approaches}
    for round_ in range(1, warmup + rounds + 1):
        batch = _batch(spark, rows, changed, round_)
        batch.count()
        names = list(approaches)
        # Each round starts with another approach, so none always runs first after the batch.
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            compiled_before = _compiled_classes(spark)
            started = time.perf_counter()
            approaches[name](batch)
            seconds = time.perf_counter() - started
            compiled = _compiled_classes(spark) - compiled_before
            timings[name].append(Round(seconds, _merge_phases(spark, tables[name]), compiled))
        if round_ <= warmup:
            for values in timings.values():
                values.pop()
            print(f"  {rows:,} rows, warm-up round {round_}", flush=True)
            continue
        print(
            f"  {rows:,} rows, round {round_ - warmup}: "
            + ", ".join(f"{name} {values[-1].seconds:.2f}s" for name, values in timings.items()),
            flush=True,
        )
    return timings


def _median_seconds(rounds: dict[str, list[Round]]) -> dict[str, float]:
    return {name: statistics.median(r.seconds for r in runs) for name, runs in rounds.items()}


def _paired(mine: list[float], theirs: list[float]) -> str:
    """The median of the per-round ratios ``mine / theirs``, with their range."""
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}x to {max(ratios):.2f}x)"


def _compiled_classes(spark: Any) -> int:
    """How many classes Spark's code generator has compiled in this JVM so far."""
    metrics = spark._jvm.org.apache.spark.metrics.source.CodegenMetrics
    return int(metrics.METRIC_COMPILATION_TIME().getCount())


def _merge_phases(spark: Any, table: str) -> dict[str, float]:
    """The last MERGE's phases in seconds, from the table's history."""
    from delta.tables import DeltaTable

    metrics = DeltaTable.forName(spark, table).history(1).collect()[0]["operationMetrics"]
    return {phase: int(metrics.get(metric, 0)) / 1000 for phase, metric in PHASES.items()}


def _compare_dedup(spark: Any, rows: int, rounds: int, warmup: int) -> dict[str, list[float]]:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from databricks_utils.delta import deduplicate

    path = tempfile.mkdtemp(prefix="dedup-bench-")
    spark.range(rows).select(
        (F.col("id") % (rows // 5 * 2)).alias("id"),
        (F.rand(1) * 1e9).cast("long").alias("ts"),
        F.concat(F.lit("name-"), F.col("id").cast("string")).alias("name"),
        (F.rand(2) * 100).alias("amount"),
    ).write.mode("overwrite").parquet(path)
    events = spark.read.parquet(path)

    def window() -> Any:
        ranked = Window.partitionBy("id").orderBy(F.col("ts").desc())
        return events.withColumn("rn", F.row_number().over(ranked)).where("rn = 1").drop("rn")

    def max_struct() -> Any:
        latest = F.max(F.struct("ts", "name", "amount")).alias("latest")
        return events.groupBy("id").agg(latest).select("id", "latest.*")

    def any_row() -> Any:
        # Spark's own dedup: an arbitrary row (first() per column), also a SortAggregate.
        return events.dropDuplicates(["id"])

    approaches = {
        "deduplicate": lambda: deduplicate(events, "id", "ts"),
        WINDOW: window,
        "max(struct) aggregate": max_struct,
        "dropDuplicates(id)": any_row,
    }
    for name, build in approaches.items():
        plan = build()._jdf.queryExecution().executedPlan().toString()
        operators = sorted(set(re.findall(r"(\w+Aggregate|WindowGroupLimit|\bSort\b)", plan)))
        print(f"  {name}: {', '.join(operators)}")
    timings: dict[str, list[float]] = {name: [] for name in approaches}
    for _ in range(warmup):
        for build in approaches.values():
            build().write.format("noop").mode("overwrite").save()
    names = list(approaches)
    for round_ in range(rounds):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            started = time.perf_counter()
            approaches[name]().write.format("noop").mode("overwrite").save()
            timings[name].append(time.perf_counter() - started)
    return timings


def _ignore(_: object) -> None:
    return None


if __name__ == "__main__":
    main()
