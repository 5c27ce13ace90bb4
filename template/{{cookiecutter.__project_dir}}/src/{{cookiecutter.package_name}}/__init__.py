"""A bronze -> silver -> gold pipeline built on databricks-utils.

Run the whole flow locally with::

    python -m {{ cookiecutter.package_name }}.pipeline --env local
"""

__version__ = "0.1.0"
