"""Unity Catalog names of a project's tables, schemas and volumes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from databricks_utils.catalog.convention import NamingConvention, naming_values
from databricks_utils.catalog.identifiers import NamingError, quote_identifier, validate_identifier
from databricks_utils.catalog.layers import Layer

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from databricks_utils.config.models import EnvironmentConfig


class CatalogHelper:
    """Builds validated Unity Catalog names from an environment's config.

    With ``catalog.name: dev_analytics`` and ``catalog.schema: customer_360`` and the
    default convention ``{catalog}.{schema}_{layer}.{table}``:

    Example:
        >>> from databricks_utils.config import EnvironmentConfig
        >>> cfg = EnvironmentConfig(
        ...     environment="dev", catalog={"name": "dev_analytics", "schema": "customer_360"}
        ... )
        >>> names = CatalogHelper(cfg)
        >>> names.table_name("bronze", "raw_customers")
        'dev_analytics.customer_360_bronze.raw_customers'
        >>> names.schema_name("gold")
        'dev_analytics.customer_360_gold'
        >>> names.quoted_table_name("silver", "customers")
        '`dev_analytics`.`customer_360_silver`.`customers`'
        >>> names.volume_path("bronze", "landing", "2024/01", "customers.csv")
        '/Volumes/dev_analytics/customer_360_bronze/landing/2024/01/customers.csv'

    Every name is lower-cased and checked against Unity Catalog's identifier rules, so
    the names are safe to put into SQL; invalid input raises
    [`NamingError`][databricks_utils.catalog.NamingError].
    """

    def __init__(self, config: EnvironmentConfig):
        self._config = config
        self._convention = NamingConvention.parse(config.catalog.naming)

    @property
    def environment(self) -> str:
        """The environment the names are for."""
        return self._config.environment

    @property
    def catalog(self) -> str:
        """``catalog.name`` of the config, as written there (read-only).

        It is the whole catalog name under the default convention; a convention such as
        ``{env}_{catalog}.…`` builds the catalog from it (see [`catalog_name`][..catalog_name]).

        Example:
            >>> from databricks_utils.config import EnvironmentConfig
            >>> cfg = EnvironmentConfig(environment="dev",
            ...                         catalog={"name": "dev_analytics", "schema": "crm"})
            >>> CatalogHelper(cfg).catalog
            'dev_analytics'
        """
        return self._config.catalog.name

    @property
    def schema_prefix(self) -> str:
        """``catalog.schema`` of the config: the prefix of each layer's schema (read-only).

        Example:
            >>> from databricks_utils.config import EnvironmentConfig
            >>> cfg = EnvironmentConfig(environment="dev",
            ...                         catalog={"name": "dev_analytics", "schema": "crm"})
            >>> CatalogHelper(cfg).schema_prefix
            'crm'
        """
        return self._config.catalog.schema_

    def catalog_name(self, layer: Layer | str) -> str:
        """The catalog holding ``layer``'s schema, e.g. ``dev_analytics``."""
        return self._convention.catalog_name(**self._values(layer))

    def schema_name(self, layer: Layer | str) -> str:
        """The qualified schema of ``layer``, e.g. ``dev_analytics.customer_360_bronze``."""
        values = self._values(layer)
        return f"{self._convention.catalog_name(**values)}.{self._convention.schema_name(**values)}"

    def table_name(self, layer: Layer | str, table: str) -> str:
        """The three-part name of ``table`` in ``layer``.

        Raises:
            NamingError: for an unknown layer or an invalid table name.
        """
        return self._convention.table_name(
            **self._values(layer), table=validate_identifier(table, kind="table")
        )

    def quoted_schema_name(self, layer: Layer | str) -> str:
        """[`schema_name`][..schema_name] with each part in backticks, for SQL."""
        return _quote(self.schema_name(layer))

    def quoted_table_name(self, layer: Layer | str, table: str) -> str:
        """[`table_name`][..table_name] with each part in backticks, for SQL.

        Use it in SQL text: a table named ``order`` or ``select`` is valid but a keyword.
        """
        return _quote(self.table_name(layer, table))

    def volume_path(self, layer: Layer | str, volume: str, *parts: str) -> str:
        """The ``/Volumes/<catalog>/<schema>/<volume>/...`` path of a file or folder.

        ``parts`` may contain ``/``; empty, ``.`` and ``..`` segments are refused, and file
        names keep their case (only catalog, schema and volume are lower-cased).

        Raises:
            NamingError: for an invalid volume name or path segment.
        """
        values = self._values(layer)
        segments = [
            "Volumes",
            self._convention.catalog_name(**values),
            self._convention.schema_name(**values),
            validate_identifier(volume, kind="volume"),
        ]
        for part in parts:
            segments += _path_segments(part)
        return "/" + "/".join(segments)

    def ensure_schemas(
        self, spark: SparkSession, layers: Layer | str | Iterable[Layer | str] | None = None
    ) -> list[str]:
        """Create the layer schemas that do not exist yet (all layers by default).

        ``layers`` is one layer or several.

        Locally the catalog is ``spark_catalog``; on Databricks the catalog must exist.

        Returns:
            The qualified schema names, in the order given (bronze, silver, gold by default).

        Example:
            >>> CatalogHelper(cfg).ensure_schemas(spark)  # doctest: +SKIP
            ['dev_analytics.customer_360_bronze', 'dev_analytics.customer_360_silver', ...]
        """
        if layers is None:
            selected = list(Layer)
        elif isinstance(layers, str):  # a Layer is a str too
            selected = [Layer.parse(layers)]
        else:
            selected = [Layer.parse(layer) for layer in layers]
        names = []
        for layer in selected:
            spark.sql(f"CREATE SCHEMA IF NOT EXISTS {self.quoted_schema_name(layer)}")
            names.append(self.schema_name(layer))
        return names

    def _values(self, layer: Layer | str) -> dict[str, str]:
        catalog = self._config.catalog
        return naming_values(
            self._config.environment, catalog.name, catalog.schema_, self._config.project, layer
        )


def _quote(qualified: str) -> str:
    return ".".join(quote_identifier(part) for part in qualified.split("."))


def _path_segments(part: str) -> list[str]:
    if not isinstance(part, str):
        raise NamingError(f"volume path parts must be strings, got {type(part).__name__}")
    if part.startswith("/"):
        raise NamingError(f"volume path part {part!r} is absolute; give it relative to the volume")
    segments = part.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise NamingError(
                f"volume path part {part!r} has an empty, '.' or '..' segment; "
                "paths must stay inside the volume"
            )
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in segment):
            raise NamingError(f"volume path part {part!r} contains a control character")
    return segments
