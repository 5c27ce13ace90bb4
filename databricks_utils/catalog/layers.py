"""The medallion layers."""

from __future__ import annotations

from enum import Enum

from databricks_utils.catalog.identifiers import NamingError


class Layer(str, Enum):
    """A medallion layer: raw ``bronze``, cleaned ``silver``, business-level ``gold``.

    Example:
        >>> Layer.parse("silver")
        <Layer.SILVER: 'silver'>
        >>> Layer.SILVER.value
        'silver'
    """

    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, layer: Layer | str) -> Layer:
        """The layer named ``layer``; names are lower case, as schema names are.

        Raises:
            NamingError: for any other value, listing the valid layers.
        """
        if isinstance(layer, Layer):
            return layer
        valid = ", ".join(member.value for member in cls)
        if isinstance(layer, str):
            for member in cls:
                if member.value == layer:
                    return member
            hint = (
                f" (did you mean {layer.lower()!r}?)" if layer.lower() in valid.split(", ") else ""
            )
            raise NamingError(f"unknown layer {layer!r}{hint}; valid layers: {valid}")
        raise NamingError(
            f"layer must be a string, got {type(layer).__name__}; valid layers: {valid}"
        )
