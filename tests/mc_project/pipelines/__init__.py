"""Pipelines of the fixture project; one module imports only on Databricks (``dlt``)."""
