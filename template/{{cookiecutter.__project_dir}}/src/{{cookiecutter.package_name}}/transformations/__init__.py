"""One subpackage per medallion layer: raw data in bronze, clean history in silver, gold for use."""
