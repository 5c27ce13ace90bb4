"""``${VAR}`` / ``${VAR:-default}`` substitution in string values, after YAML parsing."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from databricks_utils.config.keys import KeyPath

# `$${` is an escaped literal `${`; `${NAME}` and `${NAME:-default}` are references.
_TOKEN = re.compile(r"\$\$\{|\$\{(?P<body>[^}]*)\}|\$\{")
_REFERENCE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>.*))?", re.DOTALL)


class InterpolationError(ValueError):
    """A reference that cannot be resolved; ``key`` is where it stands."""

    def __init__(self, key: KeyPath, message: str):
        self.key = key
        super().__init__(message)

    def __reduce__(self) -> tuple[type[InterpolationError], tuple[KeyPath, str]]:
        return type(self), (self.key, str(self))


def substitute(value: str, environ: Mapping[str, str], key: KeyPath = ()) -> str:
    """Resolve the references in one string.

    ``${VAR:-default}`` uses ``default`` when VAR is unset *or empty* (as POSIX shells do).

    Example:
        >>> substitute("${HOST:-localhost}:${PORT}", {"PORT": "8080"})
        'localhost:8080'
        >>> substitute("$${NOT_A_REF}", {})
        '${NOT_A_REF}'
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        body = match.group("body")
        if body is None:
            raise InterpolationError(key, "unterminated '${' (write '$${' for a literal '${')")
        # The reference itself is never echoed: its default may be a secret.
        reference = _REFERENCE.fullmatch(body)
        if reference is None:
            raise InterpolationError(
                key,
                "invalid reference: use ${NAME} or ${NAME:-default} with NAME made of "
                "letters, digits and '_' (write '$${' for a literal '${')",
            )
        name, default = reference.group("name"), reference.group("default")
        if default is not None and "${" in default:
            raise InterpolationError(
                key,
                f"the default of ${{{name}:-...}} cannot contain '${{': nesting is not supported",
            )
        resolved = environ.get(name)
        if resolved:
            return resolved
        if default is not None:
            return default
        if resolved is not None:  # set but empty, and no default: keep the empty value
            return resolved
        raise InterpolationError(
            key,
            f"environment variable {name} is not set "
            f"(set it, or give a default: ${{{name}:-default}})",
        )

    return _TOKEN.sub(replace, value)


def substitute_all(
    data: Any,
    environ: Mapping[str, str],
    on_error: Callable[[InterpolationError], None],
    path: KeyPath = (),
) -> Any:
    """Substitute in every string value of nested ``data``; keys are left as they are.

    Each failing value is reported through ``on_error`` and kept unresolved, so that one
    load reports every unset variable at once.
    """
    if isinstance(data, str):
        try:
            return substitute(data, environ, path)
        except InterpolationError as exc:
            on_error(exc)
            return data
    if isinstance(data, dict):
        return {k: substitute_all(v, environ, on_error, (*path, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [substitute_all(v, environ, on_error, (*path, i)) for i, v in enumerate(data)]
    return data
