"""Generate pipeline projects from the template shipped with databricks-utils.

The template is in the wheel (``databricks_utils/_template``), so generating needs neither
network nor a workspace. Rendering needs ``cookiecutter``: the ``[template]`` extra.

Example:
    >>> from databricks_utils.template import create_project
    >>> create_project("Customer 360", output_dir="projects")  # doctest: +SKIP
    PosixPath('projects/customer-360')
"""

from __future__ import annotations

from databricks_utils.template.generate import create_project
from databricks_utils.template.source import (
    TemplateError,
    template_dir,
    template_variables,
    template_version,
)

__all__ = [
    "TemplateError",
    "create_project",
    "template_dir",
    "template_variables",
    "template_version",
]
