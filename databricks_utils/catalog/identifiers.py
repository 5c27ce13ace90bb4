"""Unity Catalog identifier rules, applied to every name the library puts into SQL."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

IdentifierKind = Literal["catalog", "schema", "table", "volume", "name"]

MAX_IDENTIFIER_LENGTH = 255
RESERVED_CATALOG_PREFIXES = ("sys", "databricks")
RESERVED_SCHEMAS = frozenset({"information_schema", "builtin", "session"})

_VALID = re.compile(r"[a-z_][a-z0-9_]*")
_FORBIDDEN = {
    ".": "a '.' (it separates catalog, schema and table)",
    " ": "a space",
    "/": "a '/'",
    "`": "a backtick",
    "-": "a hyphen (allowed by Unity Catalog only inside backticks)",
}


class NamingError(ValueError):
    """A catalog, schema, table, volume or layer name that Unity Catalog would not accept.

    The message says which name is at fault, why, and suggests a valid one.

    Example:
        >>> from databricks_utils.catalog import validate_identifier
        >>> validate_identifier("customer-360", kind="schema")
        Traceback (most recent call last):
          ...
        databricks_utils.catalog.identifiers.NamingError: invalid schema name 'customer-360': ...
    """


def validate_identifier(name: object, *, kind: IdentifierKind = "name") -> str:
    """Return ``name`` lower-cased (as Unity Catalog stores it) if it is a valid identifier.

    Each name must match ``[a-z_][a-z0-9_]*`` after lower-casing and be at most 255
    characters; catalogs starting with ``sys`` or ``databricks`` and the schemas
    ``information_schema``, ``builtin`` and ``session`` are reserved.

    Raises:
        NamingError: naming the kind and the name, saying why, and suggesting a valid name.

    Example:
        >>> validate_identifier("Raw_Customers", kind="table")
        'raw_customers'
    """
    if not isinstance(name, str):
        raise NamingError(f"{kind} name must be a string, got {type(name).__name__}")
    if not name:
        raise NamingError(f"{kind} name is empty; names must match [a-z_][a-z0-9_]*")
    # ASCII first: lower() folds some non-ASCII letters (the Kelvin sign) into ASCII ones.
    lowered = name.lower() if name.isascii() else name
    if not _VALID.fullmatch(lowered):
        raise NamingError(
            f"invalid {kind} name {name!r}: {_why_invalid(lowered)}; "
            f"names must match [a-z_][a-z0-9_]* — try {suggest_identifier(name, kind=kind)!r}"
        )
    if len(lowered) > MAX_IDENTIFIER_LENGTH:
        raise NamingError(
            f"invalid {kind} name {name[:40] + '...'!r}: {len(lowered)} characters, "
            f"Unity Catalog allows at most {MAX_IDENTIFIER_LENGTH} — shorten it"
        )
    if kind == "catalog" and lowered.startswith(RESERVED_CATALOG_PREFIXES):
        raise NamingError(
            f"invalid catalog name {name!r}: catalog names starting with 'sys' or 'databricks' "
            f"are reserved by Databricks — try {suggest_identifier(lowered, kind=kind)!r}"
        )
    if kind == "schema" and lowered in RESERVED_SCHEMAS:
        raise NamingError(
            f"invalid schema name {name!r}: {lowered!r} is reserved by Databricks "
            f"(reserved: {', '.join(sorted(RESERVED_SCHEMAS))}) — try "
            f"{suggest_identifier(lowered, kind=kind)!r}"
        )
    return lowered


def validate_qualified_name(name: object, *, kind: IdentifierKind = "table") -> str:
    """Validate ``name``, ``schema.name`` or ``catalog.schema.name`` part by part.

    Each part follows [`validate_identifier`][databricks_utils.catalog.validate_identifier]
    (the first of three parts as a catalog, the one before ``name`` as a schema).

    Returns:
        The name lower-cased, parts joined by ``.``.

    Raises:
        NamingError: naming the part at fault.

    Example:
        >>> validate_qualified_name("Ops.Pipeline_Logs")
        'ops.pipeline_logs'
        >>> validate_qualified_name("a.b.c.d")
        Traceback (most recent call last):
          ...
        databricks_utils.catalog.identifiers.NamingError: invalid table name 'a.b.c.d': ...
    """
    if not isinstance(name, str):
        raise NamingError(f"{kind} name must be a string, got {type(name).__name__}")
    parts = name.split(".")
    if len(parts) > 3:
        raise NamingError(
            f"invalid {kind} name {name!r}: {len(parts)} dot-separated parts; give "
            f"{kind}, schema.{kind} or catalog.schema.{kind}"
        )
    kinds: tuple[IdentifierKind, ...] = ("catalog", "schema", kind)[3 - len(parts) :]
    return ".".join(
        validate_identifier(part, kind=part_kind)
        for part, part_kind in zip(parts, kinds, strict=True)
    )


def suggest_identifier(name: str, *, kind: IdentifierKind = "name") -> str:
    """A valid identifier close to ``name``: ASCII-folded, lower-cased, ``_`` for the rest.

    Example:
        >>> suggest_identifier("Customer-360")
        'customer_360'
        >>> suggest_identifier("360 Kunden-Ä")
        '_360_kunden_a'
        >>> suggest_identifier("sys-data", kind="catalog")
        'my_sys_data'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^a-z0-9_]+", "_", ascii_name.lower()).strip("_") or "name"
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    if (kind == "catalog" and cleaned.startswith(RESERVED_CATALOG_PREFIXES)) or (
        kind == "schema" and cleaned in RESERVED_SCHEMAS
    ):
        cleaned = "my_" + cleaned
    return cleaned[:MAX_IDENTIFIER_LENGTH]


def quote_identifier(name: str) -> str:
    """Quote one identifier for SQL, doubling any backtick inside it.

    Example:
        >>> quote_identifier("order")
        '`order`'
    """
    return "`" + name.replace("`", "``") + "`"


def _why_invalid(name: str) -> str:
    for char, reason in _FORBIDDEN.items():
        if char in name:
            return f"contains {reason}"
    for char in name:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"contains the control character {char!r}"
    if not name.isascii():
        return "contains non-ASCII characters"
    if name[0].isdigit():
        return "starts with a digit"
    bad = sorted({c for c in name if not (c.isalnum() or c == "_")})
    return "contains " + ", ".join(repr(c) for c in bad)
