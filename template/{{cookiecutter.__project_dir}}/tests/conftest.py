"""One local Spark session with Delta Lake for the whole run, and a fresh schema per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import ConfigLoader, EnvironmentConfig

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


@pytest.fixture
def names(local_config: EnvironmentConfig, spark: SparkSession) -> CatalogHelper:
    """Table names in schemas of their own, so tests never see each other's tables."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    catalog = local_config.catalog.model_copy(update={"schema_": schema})
    helper = CatalogHelper(local_config.model_copy(update={"catalog": catalog}))
    helper.ensure_schemas(spark)
    return helper
