"""One local Spark session with Delta Lake for the whole run; tables in schemas of their own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader, EnvironmentConfig

from {{ cookiecutter.package_name }} import pipeline

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "config"
CUSTOMER_FILES = str(PROJECT_ROOT / "fixtures" / "customers")


@pytest.fixture(scope="session")
def local_config(tmp_path_factory: pytest.TempPathFactory) -> EnvironmentConfig:
    """The ``local`` environment, with its warehouse in a temporary directory."""
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    return ConfigLoader.load("local", CONFIG_DIR, {"spark": {"warehouse_dir": str(warehouse)}})


@pytest.fixture(scope="session")
def spark(local_config: EnvironmentConfig) -> Iterator[SparkSession]:
    from databricks_utils.session import SparkSessionFactory

    session = SparkSessionFactory.from_config(local_config)
    yield session
    session.stop()


def fresh_names(config: EnvironmentConfig, spark: SparkSession) -> CatalogHelper:
    """Table names in new schemas, so that tests never see each other's tables."""
    catalog = config.catalog.model_copy(update={"schema_": f"test_{uuid.uuid4().hex[:12]}"})
    names = CatalogHelper(config.model_copy(update={"catalog": catalog}))
    names.ensure_schemas(spark)
    return names


@pytest.fixture
def names(local_config: EnvironmentConfig, spark: SparkSession) -> CatalogHelper:
    return fresh_names(local_config, spark)


@dataclass(frozen=True)
class PipelineRuns:
    names: CatalogHelper
    first: list[pipeline.LayerRun]
    second: list[pipeline.LayerRun]


@pytest.fixture(scope="session")
def pipeline_runs(local_config: EnvironmentConfig, spark: SparkSession) -> PipelineRuns:
    """The whole flow on the sample files, run twice: the second run must change nothing."""
    names = fresh_names(local_config, spark)
    first = pipeline.run(spark, names, CUSTOMER_FILES)
    second = pipeline.run(spark, names, CUSTOMER_FILES)
    return PipelineRuns(names, first, second)
