"""What a merge wrote to its target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MergeResult:
    """Rows a call wrote to the target table, and the Delta version it committed.

    Attributes:
        inserted: rows added to the target.
        updated: target rows rewritten in place (for SCD2 this includes closing a version).
        deleted: rows removed from the target.
        version: the Delta version committed by the call, or ``None`` when nothing changed
            and no commit was made.
        ignored_deletes: delete events that closed nothing because the key held no open
            version at their sequence (for example a delete for a key never seen).

    Example:
        >>> result = MergeResult(inserted=2, updated=1, deleted=0, version=7)
        >>> result.changed
        True
        >>> MergeResult(inserted=0, updated=0, deleted=0, version=None).changed
        False
    """

    inserted: int
    updated: int
    deleted: int
    version: int | None
    ignored_deletes: int = 0

    @property
    def changed(self) -> bool:
        """Whether the call committed anything."""
        return self.version is not None
