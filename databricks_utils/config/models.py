"""The validated configuration of one environment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from databricks_utils.catalog.convention import DEFAULT_NAMING, NamingConvention, naming_values
from databricks_utils.catalog.identifiers import validate_identifier, validate_qualified_name
from databricks_utils.catalog.layers import Layer
from databricks_utils.redaction import redact_mapping, redact_text

DEFAULT_MONTE_CARLO_ENDPOINT = "https://api.getmontecarlo.com/graphql"
ENVIRONMENT_NAME = r"^[a-z][a-z0-9_]*$"
PROJECT_NAME = r"^[a-z0-9][a-z0-9_-]*$"


class _Section(BaseModel):
    # Unknown keys fail at every depth, and inputs never appear in error messages
    # (a secret of the wrong type would otherwise be echoed).
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        populate_by_name=True,
    )


def to_spark_string(value: Any) -> Any:
    """YAML scalars become Spark's string form: ``true`` -> ``"true"``, ``4`` -> ``"4"``.

    Example:
        >>> to_spark_string(True), to_spark_string(4), to_spark_string("x")
        ('true', '4', 'x')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        raise ValueError("a Spark setting must be a single value (string, number or boolean)")
    return value


SparkConfValue = Annotated[str, BeforeValidator(to_spark_string)]


class DatabricksConnectConfig(_Section):
    """Connect to a remote Databricks cluster or serverless compute with Databricks Connect.

    Authentication comes from a Databricks CLI profile or the ``DATABRICKS_*`` environment
    variables, never from this file.

    Example:
        ```yaml
        spark:
          databricks_connect:
            profile: dev
            serverless: true
        ```
    """

    profile: str | None = None
    cluster_id: str | None = None
    serverless: bool = False

    @model_validator(mode="after")
    def _one_compute(self) -> DatabricksConnectConfig:
        if self.cluster_id and self.serverless:
            raise ValueError("set either cluster_id or serverless: true, not both")
        return self


class SparkConfig(_Section):
    """How to get a Spark session.

    Attributes:
        app_name: Application name of a local session.
        master: Master URL of a local session (``local[*]`` when unset).
        config: Free-form Spark settings. YAML scalars become Spark strings
            (``true`` -> ``"true"``); ``null`` removes a setting inherited from defaults.
        jars_dir: A directory of pre-downloaded jars (Delta and its dependencies) used as
            ``spark.jars`` instead of resolving ``spark.jars.packages`` through Ivy.
        warehouse_dir: Local warehouse directory; relative paths are resolved against the
            directory holding the config directory (the project root). `ConfigLoader`
            defaults it to ``spark-warehouse`` there, whatever the working directory.
        databricks_connect: Use Databricks Connect instead of a local session.
        remote: A Spark Connect URL instead of a local session: ``sc://host:port`` (a
            Spark Connect server), or ``local[N]`` for a Spark Connect server with Delta
            Lake started in this process, which runs code the way serverless compute does.
            The ``SPARK_REMOTE`` environment variable does the same. Tokens in the URL
            are never shown.

    Example:
        ```yaml
        spark:
          app_name: customer_360
          master: local[2]
          config:
            spark.sql.shuffle.partitions: 4
            spark.sql.adaptive.enabled: true
        ```
    """

    app_name: str = "databricks-utils"
    master: str | None = None
    config: dict[str, SparkConfValue] = Field(default_factory=dict)
    jars_dir: str | None = None
    warehouse_dir: str | None = None
    databricks_connect: DatabricksConnectConfig | None = None
    remote: str | None = None

    @field_validator("config", mode="before")
    @classmethod
    def _drop_removed(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if v is not None}
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name == "config":
                yield name, redact_mapping(value)
            elif name == "remote" and value is not None:
                yield name, redact_text(value)
            else:
                yield name, value


class CatalogConfig(_Section):
    """Unity Catalog location of the project's tables.

    Attributes:
        name: The catalog, e.g. ``dev_analytics`` (``spark_catalog`` for local Spark).
        schema_: The project's schema base name (YAML key ``schema``), e.g. ``customer_360``.
        naming: How layer and table become ``catalog.schema.table``; placeholders
            ``{env}``, ``{catalog}``, ``{schema}``, ``{layer}``, ``{table}``, and the
            design document's ``{environment}`` (= ``{env}``) and ``{project}`` (the
            top-level ``project``, else ``{schema}``).

    Names are lower-cased, as Unity Catalog stores them.

    Example:
        ```yaml
        catalog:
          name: dev_analytics
          schema: customer_360
          naming: "{catalog}.{schema}_{layer}.{table}"   # the default
        ```
    """

    name: str
    schema_: str = Field(alias="schema")
    naming: str = DEFAULT_NAMING

    @field_validator("name")
    @classmethod
    def _catalog_identifier(cls, value: str) -> str:
        return validate_identifier(value, kind="catalog")

    @field_validator("schema_")
    @classmethod
    def _schema_identifier(cls, value: str) -> str:
        return validate_identifier(value, kind="schema")

    @field_validator("naming")
    @classmethod
    def _naming_template(cls, value: str) -> str:
        NamingConvention.parse(value)
        return value


class MonteCarloConfig(_Section):
    """Monte Carlo API access for syncing observability rules.

    Monte Carlo API keys are pairs: an id and a secret token. Keep the token out of the
    file with ``${MCD_DEFAULT_API_TOKEN}``; it is masked in every repr, log and error.

    Attributes:
        api_id: API key id (``MCD_DEFAULT_API_ID`` when unset).
        api_token: API key secret (``MCD_DEFAULT_API_TOKEN`` when unset).
        api_key: The key as ``<id>:<token>``, the form it is pasted in, instead of
            ``api_id`` and ``api_token`` (e.g. ``${MC_API_KEY}``); masked like the token.
        endpoint: GraphQL endpoint; ``MCD_API_ENDPOINT`` overrides it, as in pycarlo.
        namespace: Monte Carlo namespace of the project's monitors; default
            ``<project>-<environment>``.
        warehouse: Warehouse name or UUID the monitors run on (MaC ``default_resource``);
            needed when the account has more than one warehouse.
        domain: Monte Carlo domain of the monitors (MaC ``default_domain``).

    Example:
        ```yaml
        monte_carlo:
          api_id: ${MCD_DEFAULT_API_ID}
          api_token: ${MCD_DEFAULT_API_TOKEN}
          namespace: customer_360-prod
        ```
    """

    api_id: str | None = None
    api_token: SecretStr | None = None
    api_key: SecretStr | None = None
    endpoint: str = DEFAULT_MONTE_CARLO_ENDPOINT
    namespace: str | None = None
    warehouse: str | None = None
    domain: str | None = None

    @model_validator(mode="after")
    def _key_pair(self) -> MonteCarloConfig:
        if (self.api_id is None) != (self.api_token is None):
            raise ValueError("api_id and api_token are a pair: set both or neither")
        if self.api_key is not None:
            if self.api_id is not None:
                raise ValueError("give api_key ('<id>:<token>') or api_id and api_token, not both")
            key_id, _, token = self.api_key.get_secret_value().strip().partition(":")
            if not key_id or not token:
                raise ValueError(
                    "api_key must be the key id and its token as '<id>:<token>' (the value "
                    "is not shown)"
                )
        return self


class LoggingConfig(_Section):
    """Where and how [`get_logger`][databricks_utils.logging.get_logger] writes log rows.

    Attributes:
        table: The log table: a table name, placed in ``layer``'s schema by
            [`CatalogHelper`][databricks_utils.catalog.CatalogHelper], or a qualified
            ``schema.table`` / ``catalog.schema.table`` used as written; ``null`` logs to
            the console only.
        layer: The layer whose schema holds an unqualified ``table``.
        level: The lowest level logged (console and table).
        batch_size: Buffered records that start a background write.
        flush_interval_seconds: Longest time a record waits in the buffer.
        max_buffered_records: Records kept while writes fail; beyond it the oldest are
            dropped and counted. At least ``batch_size``.

    Example:
        ```yaml
        logging:
          table: pipeline_logs         # -> dev_analytics.customer_360_bronze.pipeline_logs
          layer: bronze
          batch_size: 100
          flush_interval_seconds: 30
        ```
    """

    table: str | None = "pipeline_logs"
    layer: Layer = Layer.BRONZE
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    batch_size: int = Field(default=100, gt=0)
    flush_interval_seconds: float = Field(default=30.0, gt=0)
    max_buffered_records: int = Field(default=10_000, gt=0)

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str | None) -> str | None:
        return None if value is None else validate_qualified_name(value, kind="table")

    @model_validator(mode="after")
    def _buffer_holds_a_batch(self) -> LoggingConfig:
        if self.max_buffered_records < self.batch_size:
            raise ValueError(
                f"max_buffered_records ({self.max_buffered_records}) must be at least "
                f"batch_size ({self.batch_size})"
            )
        return self


class EnvironmentConfig(_Section):
    """The merged, validated configuration of one environment.

    Built by [`ConfigLoader.load`][databricks_utils.config.ConfigLoader.load] from
    ``defaults.yaml``, ``<env>.yaml`` and overrides. Frozen (attributes cannot be
    reassigned): derive variants with ``config.model_copy(update=...)``.

    ``project`` names the project (lower-case letters, digits, ``_`` and ``-``) where a
    name outside the catalog is needed, e.g. the default Monte Carlo namespace
    ``<project>-<environment>``; when unset, ``catalog.schema`` is used.

    Example:
        >>> cfg = EnvironmentConfig(
        ...     environment="dev", catalog={"name": "dev_analytics", "schema": "customer_360"}
        ... )
        >>> cfg.catalog.schema_
        'customer_360'
        >>> cfg.project_name
        'customer_360'
    """

    environment: str = Field(pattern=ENVIRONMENT_NAME)
    project: str | None = Field(default=None, pattern=PROJECT_NAME)
    spark: SparkConfig = Field(default_factory=SparkConfig)
    catalog: CatalogConfig
    monte_carlo: MonteCarloConfig | None = None
    logging: LoggingConfig = Field(default_factory=LoggingConfig)

    @property
    def project_name(self) -> str:
        """``project``, or ``catalog.schema`` when it is unset."""
        return self.project if self.project is not None else self.catalog.schema_

    @field_validator("catalog")
    @classmethod
    def _names_render(cls, catalog: CatalogConfig, info: ValidationInfo) -> CatalogConfig:
        # Catches names only the combination makes invalid (a catalog part rendering to
        # "sys_...", a schema of more than 255 characters) at load, not at first use.
        environment = info.data.get("environment")
        if environment is None:  # already reported as invalid
            return catalog
        convention = NamingConvention.parse(catalog.naming)
        project = info.data.get("project")
        for layer in Layer:
            values = naming_values(environment, catalog.name, catalog.schema_, project, layer)
            convention.table_name(**values, table="t")
        return catalog
