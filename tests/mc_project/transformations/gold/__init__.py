"""Gold tables."""
