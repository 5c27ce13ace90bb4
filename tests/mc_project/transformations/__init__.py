"""Transformations of the fixture project; each module builds tables and declares rules."""
