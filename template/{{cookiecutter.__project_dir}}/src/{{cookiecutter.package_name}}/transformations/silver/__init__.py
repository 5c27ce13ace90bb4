"""Silver: clean, deduplicated data with its history."""
