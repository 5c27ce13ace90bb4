"""A small project whose transformations declare Monte Carlo rules (test fixture)."""
