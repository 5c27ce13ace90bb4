"""Naming conventions: how a layer and a table become ``catalog.schema.table``."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from databricks_utils.catalog.identifiers import IdentifierKind, NamingError, validate_identifier
from databricks_utils.catalog.layers import Layer

DEFAULT_NAMING = "{catalog}.{schema}_{layer}.{table}"
PLACEHOLDERS = ("env", "catalog", "schema", "layer", "table", "environment", "project")
_PART_KINDS: tuple[IdentifierKind, IdentifierKind, IdentifierKind] = ("catalog", "schema", "table")
_LITERAL = re.compile(r"[a-z0-9_]*")


@dataclass(frozen=True)
class NamingConvention:
    """A parsed ``catalog.naming`` template such as ``{catalog}.{schema}_{layer}.{table}``.

    Three dot-separated parts (catalog, schema, table) built from the placeholders
    ``{env}``, ``{catalog}``, ``{schema}``, ``{layer}`` and ``{table}`` and lower-case
    literal text. The design document's ``{environment}`` is ``{env}``, and its
    ``{project}`` the project name (the top-level ``project`` key, else ``{schema}``).
    ``{table}`` must be in the table part, and ``{layer}`` somewhere, so that no two
    layers or tables share a name.

    Example:
        >>> convention = NamingConvention.parse("{catalog}.{layer}.{schema}_{table}")
        >>> convention.table_name(env="dev", catalog="dev", schema="member", layer="bronze",
        ...                       table="raw")
        'dev.bronze.member_raw'
    """

    template: str
    parts: tuple[str, str, str]

    @classmethod
    def parse(cls, template: str) -> NamingConvention:
        """Check ``template`` and return the convention.

        Raises:
            NamingError: naming the template and what is wrong with it.
        """
        parts = template.split(".")
        if len(parts) != 3:
            raise NamingError(
                f"naming {template!r} must have three dot-separated parts "
                f"(catalog.schema.table), got {len(parts)}; default: {DEFAULT_NAMING!r}"
            )
        used: list[set[str]] = []
        for kind, part in zip(_PART_KINDS, parts, strict=True):
            used.append(_placeholders(template, kind, part))
        if "table" not in used[2] or "table" in used[0] | used[1]:
            raise NamingError(
                f"naming {template!r}: '{{table}}' must appear in the table part (the last) "
                "and only there"
            )
        if "layer" not in used[0] | used[1] | used[2]:
            raise NamingError(
                f"naming {template!r}: '{{layer}}' must appear somewhere, "
                "or bronze, silver and gold tables would share names"
            )
        return cls(template, (parts[0], parts[1], parts[2]))

    def catalog_name(self, **values: str) -> str:
        """The catalog part, rendered and validated (``values`` fill the placeholders)."""
        return self._render(0, values)

    def schema_name(self, **values: str) -> str:
        """The schema part, rendered and validated."""
        return self._render(1, values)

    def table_name(self, **values: str) -> str:
        """The full ``catalog.schema.table`` name, each part rendered and validated."""
        return ".".join(self._render(index, values) for index in range(3))

    def _render(self, index: int, values: dict[str, str]) -> str:
        kind = _PART_KINDS[index]
        try:
            rendered = self.parts[index].format(**values)
        except KeyError as exc:
            raise NamingError(f"naming {self.template!r}: no value for {exc.args[0]!r}") from None
        return validate_identifier(rendered, kind=kind)


def _placeholders(template: str, kind: str, part: str) -> set[str]:
    if not part:
        raise NamingError(f"naming {template!r}: the {kind} part is empty")
    used: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(part))
    except ValueError as exc:
        raise NamingError(f"naming {template!r}: {exc}") from None
    for literal, field, spec, conversion in parsed:
        if not _LITERAL.fullmatch(literal):
            raise NamingError(
                f"naming {template!r}: the {kind} part has literal text {literal!r}; "
                "only lower-case letters, digits and '_' are allowed outside placeholders"
            )
        if field is None:
            continue
        if spec or conversion:
            raise NamingError(
                f"naming {template!r}: format specs and conversions are not allowed in "
                f"placeholders ({kind} part)"
            )
        if field not in PLACEHOLDERS:
            allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            raise NamingError(
                f"naming {template!r}: unknown placeholder {'{' + field + '}'!r} in the "
                f"{kind} part; placeholders: {allowed}"
            )
        used.add(field)
    return used


def naming_values(
    environment: str, catalog: str, schema: str, project: str | None, layer: Layer | str
) -> dict[str, str]:
    """What each placeholder of a naming convention stands for.

    Example:
        >>> naming_values("dev", "analytics", "crm", None, "gold")["project"]
        'crm'
    """
    return {
        "env": environment,
        "environment": environment,
        "catalog": catalog,
        "schema": schema,
        "project": project if project is not None else schema,
        "layer": Layer.parse(layer).value,
    }
