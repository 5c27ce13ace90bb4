"""The generated project's pipeline on this leg's session (classic or Spark Connect, each
Spark/Delta pair of the runtime matrix): bronze -> silver -> gold on its sample files, then
a second run that finds nothing new."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from chispa import assert_df_equality

from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader
from tests.conftest import SPARK_LEG
from tests.template_support import PACKAGE

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def pipeline(baked: Callable[[str], Path]) -> Iterator[tuple[ModuleType, Path]]:
    project = baked("defaults")
    sys.path.insert(0, str(project / "src"))
    try:
        yield importlib.import_module(f"{PACKAGE}.pipeline"), project
    finally:
        sys.path.remove(str(project / "src"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generated_pipeline_runs_twice_on_this_legs_session(
    spark: Any, pipeline: tuple[ModuleType, Path]
) -> None:
    module, project = pipeline
    config = ConfigLoader.load(
        "local",
        project / "config",
        {"catalog": {"name": "spark_catalog", "schema": f"template_{SPARK_LEG}"}},
    )
    names = CatalogHelper(config)
    names.ensure_schemas(spark)
    source = str(project / "fixtures" / "customers")

    first = module.run(spark, names, source)
    second = module.run(spark, names, source)

    assert [(run.layer, run.rows) for run in first] == [("bronze", 6), ("silver", 5), ("gold", 2)]
    assert [run.change for run in second] == [
        "0 inserted, 0 updated, 0 deleted",
        "0 inserted, 0 updated, 0 deleted",
        "table rewritten",
    ]
    assert_df_equality(
        spark.table(names.table_name("gold", "customers_by_country")),
        spark.createDataFrame([("GB", 1), ("US", 3)], "country STRING, customers BIGINT"),
        ignore_row_order=True,
        ignore_nullable=True,
    )
