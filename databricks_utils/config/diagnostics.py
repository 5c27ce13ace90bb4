"""Turn pydantic validation errors into problems that name file, line and key."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from databricks_utils.config.errors import ConfigProblem
from databricks_utils.config.keys import KeyPath, format_key, value_at
from databricks_utils.config.merge import Origin
from databricks_utils.config.models import EnvironmentConfig


def validation_problems(
    exc: ValidationError,
    merged: Mapping[str, Any],
    origins: Mapping[KeyPath, Origin],
    files: str,
) -> list[ConfigProblem]:
    """One problem per validation error, located through ``origins``.

    ``files`` names where a missing required key could be set, e.g. ``defaults.yaml or dev.yaml``.
    Inputs are never included: a secret of the wrong type must not be echoed.
    """
    errors = exc.errors(include_input=False, include_url=False, include_context=True)
    return [_describe(error, merged, origins, files) for error in errors]


def located_problem(loc: KeyPath, message: str, origins: Mapping[KeyPath, Origin]) -> ConfigProblem:
    """A problem at key path ``loc``, placed where the layer that set it wrote it."""
    origin = nearest_origin(loc, origins)
    return ConfigProblem(
        origin.source if origin else None,
        format_key(loc) or None,
        message,
        origin.line if origin else None,
        origin.column if origin else None,
    )


def nearest_origin(loc: KeyPath, origins: Mapping[KeyPath, Origin]) -> Origin | None:
    """The origin of ``loc``, or of its closest ancestor, that has a line."""
    fallback = None
    for end in range(len(loc), 0, -1):
        origin = origins.get(loc[:end])
        if origin is not None:
            if origin.line is not None:
                return origin
            fallback = fallback or origin
    return fallback


def _describe(
    error: ErrorDetails, merged: Mapping[str, Any], origins: Mapping[KeyPath, Origin], files: str
) -> ConfigProblem:
    loc: KeyPath = tuple(error["loc"])
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    value = value_at(merged, loc)
    if kind == "extra_forbidden":
        message = _unknown_key_message(loc)
    elif kind == "missing":
        message = f"required key is missing; set it in {files}"
    elif kind == "string_type":
        message += _quote_hint(value)
    elif kind in ("model_type", "model_attributes_type", "dict_type") and value is None and loc:
        name = loc[-1]
        message = (
            f"is empty: YAML reads '{name}:' with nothing below it as null; "
            f"remove the key or write '{name}: {{}}'"
        )
    return located_problem(loc, message, origins)


def _unknown_key_message(loc: KeyPath) -> str:
    model = _model_at(loc[:-1])
    if model is None:
        return "unknown key"
    valid = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}valid keys here: {', '.join(valid)}"


def _model_at(loc: KeyPath) -> type[BaseModel] | None:
    model: type[BaseModel] = EnvironmentConfig
    for part in loc:
        fields = {field.alias or name: field for name, field in model.model_fields.items()}
        field = fields.get(str(part))
        nested = _model_in(field.annotation) if field is not None else None
        if nested is None:
            return None
        model = nested
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _quote_hint(value: Any) -> str:
    if isinstance(value, bool):
        kind = "a boolean (yes/no/on/off/true/false)"
    elif isinstance(value, (int, float)):
        kind = "a number"
    elif isinstance(value, (dt.date, dt.datetime)):
        kind = "a date"
    else:
        return ""
    return f"; YAML read this value as {kind}: quote it to keep it as text"
