"""SCD2 upsert and dedup speed, side by side in one run, printed as ratios.

Compares on the same data (a dimension of N keys, 1% of the keys changed, in order, one
event per key):

* ``scd2_merge`` (this library),
* mack's ``type_2_scd_upsert`` (install it in the benchmark environment only:
  ``pip install --no-deps mack==0.5.0``; skipped when missing),
* a plain SCD1 Delta MERGE of the same batch (the floor: one MERGE, no history).

Then how ``scd2_merge`` grows from a 1M- to a 5M-row dimension at a fixed batch, and
``deduplicate`` against a ``row_number()`` window on 5M rows.

Each approach first runs ``--warmup`` unmeasured rounds (JIT and code generation warm-up,
paid once per process), then ``--rounds`` measured ones, each round starting with another
approach; medians are printed.

Run: ``python benchmarks/scd2.py [--rows 1000000] [--large 5000000] [--rounds 5] [--warmup 1]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# benchmarks/logging.py would shadow the standard library's logging for `python benchmarks/…`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--large", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--dedup-rows", type=int, default=5_000_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["scaling", "dedup"])
    args = parser.parse_args()

    spark = _session()
    print(f"Spark {spark.version}, {spark.sparkContext.defaultParallelism} cores\n")

    upserts = _compare_upserts(spark, args.rows, args.changed, args.rounds, args.warmup)
    floor = upserts["plain SCD1 MERGE"]
    print(
        f"\nSCD2 upsert of {int(args.rows * args.changed):,} changed keys into {args.rows:,} rows"
    )
    print(f"{'approach':<24}{'median s':>10}{'vs plain MERGE':>16}")
    for name, seconds in upserts.items():
        print(f"{name:<24}{seconds:>10.2f}{seconds / floor:>15.2f}x")
    if "mack type_2_scd_upsert" in upserts:
        ratio = upserts["scd2_merge"] / upserts["mack type_2_scd_upsert"]
        print(f"scd2_merge / mack = {ratio:.2f}x (below 1 is faster)")

    if "scaling" not in args.skip:
        _scaling(spark, args, upserts)
    if "dedup" not in args.skip:
        dedup = _compare_dedup(spark, args.dedup_rows, args.rounds, args.warmup)
        print(f"\nDeduplicate {args.dedup_rows:,} rows (≈2.5 rows per key)")
        for name, seconds in dedup.items():
            ratio = seconds / dedup["row_number() window"]
            print(f"{name:<24}{seconds:>10.2f}s{ratio:>10.2f}x")


def _scaling(spark: Any, args: argparse.Namespace, upserts: dict[str, float]) -> None:
    large = _compare_upserts(
        spark,
        args.large,
        args.changed * args.rows / args.large,
        args.rounds,
        args.warmup,
        mack=False,
    )
    print(f"\nScaling at a fixed batch of {int(args.rows * args.changed):,} changed keys")
    for name in ("scd2_merge", "plain SCD1 MERGE"):
        growth = large[name] / upserts[name]
        print(
            f"{name:<24}{args.rows:>11,} rows {upserts[name]:6.2f}s  "
            f"{args.large:>11,} rows {large[name]:6.2f}s  growth {growth:.2f}x"
        )


def _session() -> Any:
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

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
    )
    session = configure_spark_with_delta_pip(builder).getOrCreate()
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


def _compare_upserts(
    spark: Any, rows: int, changed: float, rounds: int, warmup: int, *, mack: bool = True
) -> dict[str, float]:
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
    approaches: dict[str, Callable[[Any], None]] = {
        "scd2_merge": lambda batch: _ignore(scd2_merge(f"ours_{tag}", batch, "id", "seq")),
        "plain SCD1 MERGE": lambda batch: _ignore(
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
            import mack as mack_module  # type: ignore[import-not-found]
        except ImportError:
            print("mack is not installed: pip install --no-deps mack==0.5.0 to compare")
        else:
            _dimension(spark, rows).select(
                "*",
                F.lit(True).alias("is_current"),
                F.lit(1).cast("long").alias("effective_time"),
                F.lit(None).cast("long").alias("end_time"),
            ).write.format("delta").saveAsTable(f"mack_{tag}")
            approaches["mack type_2_scd_upsert"] = lambda batch: mack_module.type_2_scd_upsert(
                DeltaTable.forName(spark, f"mack_{tag}"),
                batch.withColumnRenamed("seq", "effective_time"),
                "id",
                ["name", "city", "amount"],
            )
    timings: dict[str, list[float]] = {name: [] for name in approaches}
    for round_ in range(1, warmup + rounds + 1):
        batch = _batch(spark, rows, changed, round_)
        batch.count()
        names = list(approaches)
        # Each round starts with another approach, so none always runs first after the batch.
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            started = time.perf_counter()
            approaches[name](batch)
            timings[name].append(time.perf_counter() - started)
        if round_ <= warmup:
            for values in timings.values():
                values.pop()
            print(f"  {rows:,} rows, warm-up round {round_}", flush=True)
            continue
        print(
            f"  {rows:,} rows, round {round_ - warmup}: "
            + ", ".join(f"{name} {values[-1]:.2f}s" for name, values in timings.items()),
            flush=True,
        )
    return {name: statistics.median(values) for name, values in timings.items()}


def _compare_dedup(spark: Any, rows: int, rounds: int, warmup: int) -> dict[str, float]:
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

    approaches = {
        "deduplicate": lambda: deduplicate(events, "id", "ts"),
        "row_number() window": window,
    }
    timings: dict[str, list[float]] = {name: [] for name in approaches}
    for _ in range(warmup):
        for build in approaches.values():
            build().write.format("noop").mode("overwrite").save()
    for _ in range(rounds):
        for name, build in approaches.items():
            started = time.perf_counter()
            build().write.format("noop").mode("overwrite").save()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}


def _ignore(_: object) -> None:
    return None


if __name__ == "__main__":
    main()
