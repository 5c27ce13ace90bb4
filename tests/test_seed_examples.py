"""The design documents' own examples, exactly as written (the team's ``shared/seeds/``).

``002`` is the research & decisions document, ``001`` the DDD architecture document; the
section is in each test's name. Every example below is a verbatim copy; around it is
only the scaffolding a user adds (a ``config/`` folder, a package, an ``import``). Each
test asserts the outcome the document implies; where the document is ambiguous the test
pins the behaviour docs/configuration.md, docs/naming.md and docs/observability.md
describe.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from databricks_utils.catalog import CatalogHelper
from databricks_utils.config import CONFIG_DIR_ENV_VAR, ConfigLoader, EnvironmentConfig
from databricks_utils.observability import MonteCarloError, MonteCarloSync
from tests.mc_loopback import MonteCarloLoopback, serve

# -- 002 section 1: the configuration files ------------------------------------------------

CONFIG_FILES = """\
# config/local.yaml
spark:
  app_name: "pipeline-local"
  master: "local[*]"
  config:
    spark.sql.shuffle.partitions: "4"
    spark.sql.adaptive.enabled: "true"

catalog:
  name: "local_catalog"
  schema: "dev_schema"

# config/prod.yaml
spark:
  app_name: "pipeline-prod"
  # master is omitted - Databricks provides cluster
  config:
    spark.sql.shuffle.partitions: "200"
    spark.sql.adaptive.enabled: "true"
    spark.databricks.delta.optimizeWrite.enabled: "true"

catalog:
  name: "prod_catalog"
  schema: "prod_schema"
"""

# -- 002 section 4: the configuration schema ----------------------------------------------

SCHEMA_MODELS = """\
from pydantic import BaseModel, Field
from typing import Dict, Optional

class SparkConfig(BaseModel):
    app_name: str
    master: Optional[str] = None
    config: Dict[str, str] = Field(default_factory=dict)

class CatalogConfig(BaseModel):
    name: str
    schema_: str = Field(alias="schema")

class EnvironmentConfig(BaseModel):
    environment: str
    spark: SparkConfig
    catalog: CatalogConfig
    monte_carlo: Optional[Dict[str, str]] = None
"""

# -- 002 section 5: Unity Catalog naming -------------------------------------------------

NAMING_EXAMPLES = """\
{environment}_{catalog}.{project}_{layer}.{table}

Examples:
- dev_analytics.customer_360_bronze.raw_customers
- prod_analytics.customer_360_silver.cleaned_customers
- lab_analytics.customer_360_gold.customer_lifetime_value
"""

CATALOG_HELPER = '''\
class CatalogHelper:
    def __init__(self, config: EnvironmentConfig):
        self.catalog = config.catalog.name
        self.schema_prefix = config.catalog.schema_

    def table_name(self, layer: str, table: str) -> str:
        """Generate fully-qualified table name"""
        return f"{self.catalog}.{self.schema_prefix}_{layer}.{table}"
'''

# -- 002 section 7: Monte Carlo ------------------------------------------------------------

RULES = '''\
from databricks_utils.observability import monte_carlo_rule

@monte_carlo_rule(
    rule_type="freshness",
    threshold_hours=24,
    severity="high"
)
def create_silver_customers(spark: SparkSession):
    """Transform bronze to silver customers"""
    # Transformation logic
    pass

@monte_carlo_rule(
    rule_type="volume",
    threshold_change_percent=20,
    severity="medium"
)
def create_gold_customer_360(spark: SparkSession):
    """Aggregate to gold layer"""
    pass
'''

REGISTRATION = """\
# Executed during bundle deployment
from databricks_utils.observability import MonteCarloSync

sync = MonteCarloSync(api_key=os.getenv("MC_API_KEY"))
sync.register_rules_from_module("src.transformations")
"""

# -- 001: Unity Catalog structure and the logger -----------------------------------------

UC_STRUCTURE = """\
Catalog (environment-specific): dev, sit, prod
├── ua                      # User Acceptance / landing zone
├── bronze                  # Raw data layer
│   └── external            # External tables/volumes for files
├── silver                  # Cleaned data layer
├── gold                    # Analytics-ready layer
│   └── wheels              # Deployed wheel tracking
├── default                 # Default schema (auto-created)
└── information_schema      # System metadata (auto-created)
"""

LOGGER = """\
# Custom logger: src/data_ops/utils/logging.py
logger = get_logger(domain="member", process="silver_transform")
"""

LOG_ENTRY = {
    "date": "2026-02-06",  # Auto-detected
    "time": "14:30:00",  # Auto-detected
    "user": "sglover",  # Auto-detected
    "source_file": "demographics.py",  # Auto-detected
    "domain": "member",  # User-provided
    "process": "silver_transform",  # User-provided
    "step": "deduplication",  # User-provided
    "status": "success",  # User-provided
    "message": "Removed 150 dupes",  # User-provided
}

API_ID = "seed-key-id"
TOKEN = "seed-token-S3CR3T-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding the document's two config files, and nothing else."""
    _write_config_files(tmp_path)
    monkeypatch.delenv(CONFIG_DIR_ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_002_s1_config_files_load_without_defaults_yaml(project: Path) -> None:
    local, prod = ConfigLoader.load("local"), ConfigLoader.load("prod")

    assert (local.environment, local.spark.app_name, local.spark.master) == (
        "local",
        "pipeline-local",
        "local[*]",
    )
    assert local.spark.config == {
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.adaptive.enabled": "true",
    }
    assert (local.catalog.name, local.catalog.schema_) == ("local_catalog", "dev_schema")
    assert (prod.spark.app_name, prod.spark.master) == ("pipeline-prod", None)
    assert prod.spark.config == {
        "spark.sql.shuffle.partitions": "200",
        "spark.sql.adaptive.enabled": "true",
        "spark.databricks.delta.optimizeWrite.enabled": "true",
    }
    assert (prod.catalog.name, prod.catalog.schema_) == ("prod_catalog", "prod_schema")
    assert ConfigLoader.environments() == ["local", "prod"]


@pytest.mark.spark
def test_002_s1_spark_session_factory_create(project: Path, spark: Any) -> None:
    from databricks_utils.config.spark_session import SparkSessionFactory
    from databricks_utils.session import SparkConfigNotAppliedWarning

    before = {key: spark.conf.get(key) for key in LOCAL_SETTINGS}
    try:
        # The suite's session is running, so it is reused: its runtime settings change,
        # its static ones (the warehouse) cannot and are reported.
        with pytest.warns(SparkConfigNotAppliedWarning, match=r"spark\.sql\.warehouse\.dir"):
            session = SparkSessionFactory.create("local")
        with pytest.warns(SparkConfigNotAppliedWarning):
            by_file = SparkSessionFactory.create("local", "config/local.yaml")

        assert session is spark
        assert by_file is spark
        assert {key: session.conf.get(key) for key in LOCAL_SETTINGS} == LOCAL_SETTINGS
        assert session.range(3).count() == 3
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


LOCAL_SETTINGS = {"spark.sql.shuffle.partitions": "4", "spark.sql.adaptive.enabled": "true"}


def test_002_s4_the_documents_schema_and_the_librarys_agree(project: Path) -> None:
    document: dict[str, Any] = {}
    run(SCHEMA_MODELS, document)
    raw = {"environment": "local", **_yaml(project / "config" / "local.yaml")}

    theirs = document["EnvironmentConfig"](**raw)
    ours = EnvironmentConfig(**raw)

    assert ours.model_dump(include={"environment"}) == theirs.model_dump(include={"environment"})
    assert ours.spark.model_dump(include={"app_name", "master", "config"}) == (
        theirs.spark.model_dump()
    )
    assert (ours.catalog.name, ours.catalog.schema_) == (
        theirs.catalog.name,
        theirs.catalog.schema_,
    )
    assert ours.monte_carlo is theirs.monte_carlo is None


def test_002_s4_config_loader_layers_defaults_environment_and_overrides(project: Path) -> None:
    # The document's loader reads defaults.yaml, then <env>.yaml, and merges them; this
    # library merges deeply (its loader's `{**base, **env_config}` would drop the
    # defaults' spark.config entirely), and overrides come last.
    (project / "config" / "defaults.yaml").write_text(
        "spark:\n  app_name: pipeline\n  config:\n    spark.sql.session.timeZone: UTC\n"
    )

    cfg = ConfigLoader.load("prod", "config", {"spark": {"config": {"spark.sql.ansi.enabled": 1}}})

    assert cfg.spark.app_name == "pipeline-prod"
    assert cfg.spark.config == {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "200",
        "spark.sql.adaptive.enabled": "true",
        "spark.databricks.delta.optimizeWrite.enabled": "true",
        "spark.sql.ansi.enabled": "1",
    }


def test_002_s5_catalog_helper_as_the_document_writes_it(project: Path) -> None:
    document: dict[str, Any] = {"EnvironmentConfig": EnvironmentConfig}
    run(CATALOG_HELPER, document)
    config = ConfigLoader.load("local")

    theirs, ours = document["CatalogHelper"](config), CatalogHelper(config)

    assert (ours.catalog, ours.schema_prefix) == (theirs.catalog, theirs.schema_prefix)
    assert (ours.catalog, ours.schema_prefix) == ("local_catalog", "dev_schema")
    for layer in ("bronze", "silver", "gold"):
        assert ours.table_name(layer, "customers") == theirs.table_name(layer, "customers")
    assert ours.table_name("bronze", "raw_customers") == (
        "local_catalog.dev_schema_bronze.raw_customers"
    )
    with pytest.raises(AttributeError):
        ours.catalog = "prod_catalog"  # type: ignore[misc]


def test_002_s5_naming_convention_examples() -> None:
    naming, examples = NAMING_EXAMPLES.split("\n\nExamples:\n")
    expected = re.findall(r"- (\S+)", examples)

    names = [
        CatalogHelper(
            EnvironmentConfig(
                environment=env,
                catalog={"name": "analytics", "schema": "customer_360", "naming": naming},
            )  # {project} is the project name: here catalog.schema, as no `project` key is set
        ).table_name(layer, table)
        for env, layer, table in [
            ("dev", "bronze", "raw_customers"),
            ("prod", "silver", "cleaned_customers"),
            ("lab", "gold", "customer_lifetime_value"),
        ]
    ]

    assert names == expected
    # The same names from the default convention with the environment in catalog.name.
    default = CatalogHelper(
        EnvironmentConfig(
            environment="dev", catalog={"name": "dev_analytics", "schema": "customer_360"}
        )
    )
    assert default.table_name("bronze", "raw_customers") == expected[0]


@pytest.fixture
def src_transformations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, MonteCarloLoopback]]:
    """``src/transformations/`` holding the document's rules, and a project root with the
    document's config files, its working directory; Monte Carlo is the loopback."""
    package = tmp_path / "src" / "transformations"
    package.mkdir(parents=True)
    (tmp_path / "src" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    scaffolding = "from pyspark.sql import SparkSession\n"
    (package / "customers.py").write_text(scaffolding + RULES, encoding="utf-8")
    _write_config_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.delenv(CONFIG_DIR_ENV_VAR, raising=False)
    for name in ("MCD_DEFAULT_API_ID", "MCD_DEFAULT_API_TOKEN", "MCD_API_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    _forget("src")
    with serve(MonteCarloLoopback(API_ID, TOKEN, pending_polls=0)) as server:
        monkeypatch.setenv("MC_API_KEY", f"{API_ID}:{TOKEN}")
        monkeypatch.setenv("MCD_API_ENDPOINT", server.url)
        yield package, server
    _forget("src")
    assert server.schema_errors == []


def test_002_s7_monte_carlo_rules_and_registration(
    src_transformations: tuple[Path, MonteCarloLoopback],
) -> None:
    _, server = src_transformations
    scope: dict[str, Any] = {"os": os}  # scaffolding: the example uses os without importing it

    run(REGISTRATION, scope)

    sync: MonteCarloSync = scope["sync"]
    volume, freshness = sync.rules  # sorted by module, then function
    assert (freshness.function, freshness.layer, freshness.table) == (
        "create_silver_customers",
        "silver",
        "customers",
    )
    assert (freshness.rule_type, freshness.priority, freshness.table_inferred) == (
        "freshness",
        "P2",
        True,
    )
    assert (volume.function, volume.layer, volume.table, volume.priority) == (
        "create_gold_customer_360",
        "gold",
        "customer_360",
        "P3",
    )
    assert server.requests == []  # registering sends nothing
    assert TOKEN not in repr(sync) + str(vars(sync))
    # Without an environment no table resolves and there is no namespace: to apply, the
    # document's sync needs a config (docs/observability.md, "The design document's form").
    with pytest.raises(
        ValueError,
        match=r"needs the environment's configuration \(MonteCarloSync\(config=\.\.\.\)\)",
    ):
        sync.apply()
    with pytest.raises(MonteCarloError, match=r"^no Monte Carlo namespace: pass namespace="):
        _ = sync.namespace


def test_002_s7_monte_carlo_rules_synced_for_an_environment(
    src_transformations: tuple[Path, MonteCarloLoopback],
) -> None:
    _, server = src_transformations
    sync = MonteCarloSync(config=ConfigLoader.load("prod"), api_key=os.getenv("MC_API_KEY"))
    sync.register_rules_from_module("src.transformations")

    result = sync.apply()

    held = server.monitors("prod_schema-prod")
    module = "src.transformations.customers"
    assert result.changes_applied
    assert sorted(held) == [
        f"{module}.create_gold_customer_360.volume.gold.customer_360",
        f"{module}.create_silver_customers.freshness.silver.customers",
    ]
    freshness = held[f"{module}.create_silver_customers.freshness.silver.customers"]
    volume = held[f"{module}.create_gold_customer_360.volume.gold.customer_360"]
    assert freshness["description"] == (
        "prod_catalog.prod_schema_silver.customers: alert when the newest data is more than 24 "
        "hours old (table silver.customers inferred from the function name "
        "create_silver_customers)"
    )
    assert volume["description"] == (
        "prod_catalog.prod_schema_gold.customer_360: alert when its row count at the end of "
        "yesterday differs from the end of the day before by more than 20% (Delta time "
        "travel) (table gold.customer_360 inferred from the function name "
        "create_gold_customer_360)"
    )
    assert (freshness["priority"], volume["priority"]) == ("P2", "P3")
    assert volume["alert_conditions"] == [
        {"type": "threshold", "operator": "GT", "threshold_value": 20}
    ]
    assert "TIMESTAMP AS OF" in volume["sql"]


def test_001_unity_catalog_structure() -> None:
    catalogs = re.search(r"dev, sit, prod", UC_STRUCTURE)
    assert catalogs is not None
    # One catalog per environment, the layers as schemas: `{env}.{layer}.{table}`.
    helpers = {
        env: CatalogHelper(
            EnvironmentConfig(
                environment=env,
                catalog={"name": env, "schema": "member", "naming": "{env}.{layer}.{table}"},
            )
        )
        for env in catalogs.group(0).split(", ")
    }
    dev = helpers["dev"]

    assert [dev.schema_name(layer) for layer in ("bronze", "silver", "gold")] == [
        "dev.bronze",
        "dev.silver",
        "dev.gold",
    ]
    # The document's data flow, and its landing zone and wheel tracking locations.
    assert dev.table_name("bronze", "member_raw") == "dev.bronze.member_raw"
    assert dev.table_name("silver", "member_demographics") == "dev.silver.member_demographics"
    assert dev.table_name("gold", "member_summary") == "dev.gold.member_summary"
    assert dev.table_name("gold", "wheels") == "dev.gold.wheels"
    assert dev.volume_path("bronze", "external", "member_files") == (
        "/Volumes/dev/bronze/external/member_files"
    )
    assert helpers["sit"].table_name("silver", "claims_medical") == "sit.silver.claims_medical"
    assert helpers["prod"].table_name("gold", "claims_summary") == "prod.gold.claims_summary"


@pytest.mark.spark
def test_001_logger_writes_the_documented_entry(spark: Any) -> None:
    from databricks_utils.logging import current_user, get_logger

    previous = spark.catalog.currentDatabase()
    spark.sql("CREATE SCHEMA IF NOT EXISTS dbu_seed_logs")
    spark.catalog.setCurrentDatabase("dbu_seed_logs")  # scaffolding: where the table goes
    try:
        scope: dict[str, Any] = {"get_logger": get_logger}
        run(LOGGER, scope)
        logger = scope["logger"]
        logger.info(
            LOG_ENTRY["message"],
            extra={"step": LOG_ENTRY["step"], "status": LOG_ENTRY["status"]},
        )
        logger.flush()

        [row] = spark.sql(
            "SELECT * FROM dbu_seed_logs.pipeline_logs WHERE process = 'silver_transform'"
        ).collect()
    finally:
        spark.catalog.setCurrentDatabase(previous)
        spark.sql("DROP SCHEMA IF EXISTS dbu_seed_logs CASCADE")

    entry = row.asDict()
    user_provided = ("domain", "process", "step", "status", "message")
    assert {key: entry[key] for key in user_provided} == {
        key: LOG_ENTRY[key] for key in user_provided
    }
    today = dt.datetime.now(dt.timezone.utc).date()
    assert entry["date"] in (today, today - dt.timedelta(days=1))  # a run across midnight
    assert re.fullmatch(r"\d\d:\d\d:\d\d", entry["time"].strftime("%H:%M:%S"))
    assert entry["user"] == current_user(spark)
    # The document shows the file's name; the library records its path.
    assert Path(entry["source_file"]) == Path(__file__)


def run(example: str, scope: dict[str, Any]) -> None:
    """Run an example as its own module would (not under this file's __future__ import)."""
    exec(compile(example, "<example>", "exec", dont_inherit=True), scope)


def _write_config_files(root: Path) -> None:
    """The document's block, split at its second file's heading comment."""
    local, prod = CONFIG_FILES.split("\n# config/prod.yaml\n")
    (root / "config").mkdir()
    (root / "config" / "local.yaml").write_text(local, encoding="utf-8")
    (root / "config" / "prod.yaml").write_text("# config/prod.yaml\n" + prod, encoding="utf-8")


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _forget(package: str) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
