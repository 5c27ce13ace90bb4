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


# `key=value` and `key: value` pairs whose key looks secret, in free text (error messages,
# URLs); `sig` is the signature of an Azure SAS URL.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)([\w.\-]*(?:" + SENSITIVE_KEY.pattern.removeprefix("(?i)") + r"|sig)[\w.\-]*)"
    r"(\s*[=:]\s*)[^\s&;,'\"]+"
)


def redact_text(text: str) -> str:
    """``text`` with the values of ``key=value`` / ``key: value`` pairs masked when the key
    looks secret, for messages built from third-party errors.

    Example:
        >>> redact_text("GET https://acct.blob/x?sv=2024&sig=abc123 failed: password=hunter2")
        'GET https://acct.blob/x?sv=2024&sig=********** failed: password=**********'
    """
    return _SECRET_ASSIGNMENT.sub(lambda match: f"{match.group(1)}{match.group(2)}{MASK}", text)
