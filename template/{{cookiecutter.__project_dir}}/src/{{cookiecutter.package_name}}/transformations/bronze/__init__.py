"""Bronze: data as received, each record loaded once."""
