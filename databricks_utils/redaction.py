"""Which configuration keys hold secrets, so that their values are never shown."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Spark's default `spark.redaction.regex`, plus cloud storage keys, SAS tokens and credentials.
SENSITIVE_KEY = re.compile(
    r"(?i)secret|password|token|access[.]?key|account[.]key|credential"
    r"|private[._-]?key|encryption[._-]?key|api[._-]?key|[.]sas[.]"
)

MASK = "**********"


def is_sensitive(key: str) -> bool:
    """True for keys whose values must be masked (Spark's redaction rule, extended).

    Example:
        >>> is_sensitive("fs.azure.account.key.acct.dfs.core.windows.net")
        True
        >>> is_sensitive("spark.sql.shuffle.partitions")
        False
    """
    return SENSITIVE_KEY.search(key) is not None


def redact_mapping(values: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``values`` with the values of sensitive keys masked."""
    return {k: MASK if is_sensitive(k) else v for k, v in values.items()}
