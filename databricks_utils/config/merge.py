"""Deep merge of config layers that remembers which layer set each key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from databricks_utils.config.keys import KeyPath


@dataclass(frozen=True)
class Origin:
    """Where a key's effective value was written: a file (or ``"overrides"``) and line."""

    source: str
    line: int | None = None
    column: int | None = None


def deep_merge(
    base: Mapping[str, Any],
    layer: Mapping[str, Any],
    *,
    source: str,
    origins: dict[KeyPath, Origin],
    positions: Mapping[KeyPath, tuple[int, int]],
) -> dict[str, Any]:
    """Merge ``layer`` over ``base``: mappings merge key by key, anything else replaces.

    ``origins`` is updated in place: every key path ``layer`` sets now points at
    ``source`` and the key's position there; paths below a replaced value are forgotten.

    Example:
        >>> origins = {}
        >>> base = {"spark": {"app_name": "x", "config": {"a": "1"}}}
        >>> layer = {"spark": {"config": {"b": "2"}}}
        >>> deep_merge(base, layer, source="dev.yaml", origins=origins, positions={})
        {'spark': {'app_name': 'x', 'config': {'a': '1', 'b': '2'}}}
    """
    return _Layer(source, origins, positions).merge(base, layer, ())


@dataclass
class _Layer:
    source: str
    origins: dict[KeyPath, Origin]
    positions: Mapping[KeyPath, tuple[int, int]]

    def merge(
        self, base: Mapping[str, Any], layer: Mapping[str, Any], path: KeyPath
    ) -> dict[str, Any]:
        merged = dict(base)
        for key, value in layer.items():
            key_path = (*path, key)
            self._record(key_path)
            current = merged.get(key)
            if isinstance(value, Mapping) and isinstance(current, Mapping):
                merged[key] = self.merge(current, value, key_path)
            else:
                self._forget_below(key_path)
                merged[key] = self.adopt(value, key_path)
        return merged

    def adopt(self, value: Any, path: KeyPath) -> Any:
        """A copy of ``value``, recording the origin of everything below ``path``."""
        if isinstance(value, Mapping):
            return {key: self._adopt_child(child, (*path, key)) for key, child in value.items()}
        if isinstance(value, list):
            return [self._adopt_child(child, (*path, i)) for i, child in enumerate(value)]
        return value

    def _adopt_child(self, value: Any, path: KeyPath) -> Any:
        self._record(path)
        return self.adopt(value, path)

    def _record(self, path: KeyPath) -> None:
        self.origins[path] = Origin(self.source, *self.positions.get(path, (None, None)))

    def _forget_below(self, path: KeyPath) -> None:
        depth = len(path)
        for stale in [k for k in self.origins if len(k) > depth and k[:depth] == path]:
            del self.origins[stale]
