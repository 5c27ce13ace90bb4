"""The medallion flow: bronze -> silver -> gold.

Locally, on Spark with Delta Lake, every layer at once::

    python -m {{ cookiecutter.package_name }}.pipeline --env local

As a job task, one layer (see the job in ``resources/``)::

    {{ cookiecutter.project_slug }} --env=dev --layer=bronze
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigError, ConfigLoader
from databricks_utils.logging import PipelineLogger, get_logger
from databricks_utils.session import SparkSessionError, SparkSessionFactory, is_databricks_runtime

from .local_tables import reattach_local_tables
from .transformations.bronze import customers as bronze_customers
from .transformations.gold import customers_by_country as gold_customers_by_country
from .transformations.silver import customers as silver_customers

if TYPE_CHECKING:
    from databricks_utils.delta import MergeResult
    from pyspark.sql import SparkSession

LAYERS = ("bronze", "silver", "gold")
PROJECT = "{{ cookiecutter.project_slug }}"
# The `domain` of this project's log records (see databricks_utils.logging).
LOG_DOMAIN = "{{ cookiecutter.package_name }}"
# The project checkout when running from source (src/ layout); unused on Databricks.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LayerRun:
    """What one layer did: the table it wrote, its row count, and the merge's counts."""

    layer: str
    table: str
    rows: int
    merge: MergeResult | None = None  # None: the table was rewritten

    @property
    def change(self) -> str:
        if self.merge is None:
            return "table rewritten"
        merge = self.merge
        return f"{merge.inserted} inserted, {merge.updated} updated, {merge.deleted} deleted"


def config_dir() -> Path:
    """``config/`` inside the installed wheel, else the project's ``config/``."""
    packaged = Path(__file__).with_name("config")
    return packaged if packaged.is_dir() else PROJECT_ROOT / "config"


def default_source(env: str, names: CatalogHelper) -> str:
    """Where bronze reads from: the sample files locally, the landing volume elsewhere."""
    if env == "local":
        return str(PROJECT_ROOT / "fixtures" / "customers")
    return names.volume_path("bronze", "landing", "customers")


# What a layer's step returns: the table it wrote, and the merge's counts (None: rewritten).
LayerResult = tuple[str, "MergeResult | None"]


def _bronze(spark: SparkSession, names: CatalogHelper, source: str) -> LayerResult:
    return bronze_customers.TABLE, bronze_customers.load_customers(spark, names, source)


def _silver(spark: SparkSession, names: CatalogHelper, source: str) -> LayerResult:
    return silver_customers.TABLE, silver_customers.build_customers(spark, names)


def _gold(spark: SparkSession, names: CatalogHelper, source: str) -> LayerResult:
    gold_customers_by_country.build_customers_by_country(spark, names)
    return gold_customers_by_country.TABLE, None


LAYER_STEPS: dict[str, Callable[[SparkSession, CatalogHelper, str], LayerResult]] = {
    "bronze": _bronze,
    "silver": _silver,
    "gold": _gold,
}


def run(
    spark: SparkSession,
    names: CatalogHelper,
    source: str,
    layers: Sequence[str] = LAYERS,
    log: PipelineLogger | None = None,
) -> list[LayerRun]:
    """Run ``layers`` in medallion order and report what each one wrote.

    With ``log``, each layer is a logged step (start, end, duration, error).
    """
    runs = []
    for layer in (layer for layer in LAYERS if layer in layers):
        step: AbstractContextManager[object] = log.step(layer) if log else nullcontext()
        with step:
            table, merge = LAYER_STEPS[layer](spark, names, source)
            name = names.table_name(layer, table)
            runs.append(LayerRun(layer, name, spark.table(name).count(), merge))
        if log:
            log.info("%s: %d rows, %s", name, runs[-1].rows, runs[-1].change)
    return runs


def format_runs(runs: Sequence[LayerRun]) -> str:
    """The runs as an aligned table: layer, table, rows, change."""
    rows = [("layer", "table", "rows", "change")]
    rows += [(r.layer, r.table, str(r.rows), r.change) for r in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{layer:<{widths[0]}}  {table:<{widths[1]}}  {count:>{widths[2]}}  {change}"
        for layer, table, count, change in rows
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line of the pipeline (job tasks pass ``--name=value``)."""
    parser = argparse.ArgumentParser(prog=PROJECT, description="Run bronze -> silver -> gold.")
    parser.add_argument("--env", required=True, help="environment: local, dev, lab or prod")
    parser.add_argument(
        "--layer", choices=[*LAYERS, "all"], default="all", help="the layer to run (default: all)"
    )
    parser.add_argument("--catalog", help="override catalog.name of the environment's config")
    parser.add_argument("--schema", help="override catalog.schema of the environment's config")
    parser.add_argument("--source", help="bronze input (default: fixtures/ locally, else a volume)")
    parser.add_argument("--config-dir", type=Path, help="config directory (default: config/)")
    parser.add_argument(
        "--show", action=argparse.BooleanOptionalAction, help="print every table (default: locally)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pipeline from the command line; returns the exit code."""
    args = parse_args(argv)
    given = {"name": args.catalog, "schema": args.schema}
    catalog = {key: value for key, value in given.items() if value}
    try:
        config = ConfigLoader.load(
            args.env, args.config_dir or config_dir(), {"catalog": catalog} if catalog else None
        )
        spark = SparkSessionFactory.from_config(config)
    except (ConfigError, SparkSessionError) as exc:
        print(exc, file=sys.stderr)
        return 1
    names = CatalogHelper(config)
    if is_databricks_runtime():
        names.ensure_schemas(spark)
    else:
        reattach_local_tables(spark, names)
    layers = LAYERS if args.layer == "all" else (args.layer,)
    log = get_logger(domain=LOG_DOMAIN, process="pipeline", config=config, spark=spark)
    runs = run(spark, names, args.source or default_source(args.env, names), layers, log)
    print(f"{PROJECT} on environment {args.env!r}:")
    print(format_runs(runs))
    if args.show if args.show is not None else args.env == "local":
        for layer_run in runs:
            table = spark.table(layer_run.table)
            print(f"\n{layer_run.table}")
            table.orderBy(*table.columns).show(truncate=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
