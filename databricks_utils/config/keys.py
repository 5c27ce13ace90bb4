"""Key paths into nested config mappings, and how they are shown to people."""

from __future__ import annotations

import re
from typing import Any

KeyPath = tuple["str | int", ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_key(path: KeyPath) -> str:
    """Render a key path as in the docs: ``spark.config."spark.sql.shuffle.partitions"``.

    Example:
        >>> format_key(("spark", "config", "spark.sql.shuffle.partitions"))
        'spark.config."spark.sql.shuffle.partitions"'
        >>> format_key(("tags", 0))
        'tags[0]'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _PLAIN_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
        out += f".{text}" if out else text
    return out


def value_at(data: Any, path: KeyPath) -> Any:
    """The value at ``path`` in nested ``data``, or ``None`` when there is none.

    Example:
        >>> value_at({"spark": {"config": {"a": "1"}}}, ("spark", "config", "a"))
        '1'
    """
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
