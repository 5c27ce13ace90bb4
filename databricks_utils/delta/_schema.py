"""Comparing a source's stored columns with an existing target's."""

from __future__ import annotations

from databricks_utils.delta._changes import ChangeSpec
from databricks_utils.delta._target import Target
from databricks_utils.delta.columns import ColumnResolver, quoted
from databricks_utils.delta.errors import MergeInputError


def target_columns(target: Target) -> ColumnResolver:
    return ColumnResolver(
        target.dataframe().schema.fieldNames(), case_sensitive=False, what=f"target {target.label}"
    )


def check_same_columns(
    target: Target, spec: ChangeSpec, maintained: list[str], merge_schema: bool
) -> None:
    """Source columns must exist in the target (unless ``merge_schema``) and vice versa."""
    columns = target_columns(target)
    unknown = [c for c in spec.columns if columns.find(c) is None]
    if unknown and not merge_schema:
        raise MergeInputError(
            f"source column(s) {quoted(unknown)} are not in target {target.label}; add them "
            "to the target, list them in except_columns, or pass merge_schema=True to add "
            "them (nothing was written)"
        )
    source = ColumnResolver(spec.columns, case_sensitive=False, what="source")
    own = {name.lower() for name in maintained}
    lacking = [c for c in columns.columns if source.find(c) is None and c.lower() not in own]
    if lacking:
        raise MergeInputError(
            f"target {target.label} column(s) {quoted(lacking)} are missing from the source; "
            "add them to the source (for example as typed NULL literals)"
        )
