"""Where the project template is, which answers it asks for, and which version it is.

Example:
    >>> from databricks_utils.template.source import template_version
    >>> template_version() == __import__("databricks_utils").__version__
    True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# In the wheel the template is databricks_utils/_template (pyproject's force-include).
PACKAGED_TEMPLATE = Path(__file__).resolve().parent.parent / "_template"
CHECKOUT_TEMPLATE = Path(__file__).resolve().parents[2] / "template"
TEMPLATE_CONFIG = "cookiecutter.json"
VERSION_VARIABLE = "databricks_utils_version"
INSTALL_HINT = "pip install 'databricks-utils[template]'"


class TemplateError(Exception):
    """A project cannot be generated: bad answers, missing cookiecutter, existing directory.

    Example:
        >>> raise TemplateError("compute 'gpu' is not a choice")  # doctest: +SKIP
    """


def template_dir() -> Path:
    """The directory of the project template: inside the installed wheel, or the checkout's.

    Raises:
        TemplateError: when this installation has no template.

    Example:
        >>> (template_dir() / "cookiecutter.json").is_file()
        True
    """
    for candidate in (PACKAGED_TEMPLATE, CHECKOUT_TEMPLATE):
        if (candidate / TEMPLATE_CONFIG).is_file():
            return candidate
    raise TemplateError(
        f"the project template is missing: neither {PACKAGED_TEMPLATE} nor {CHECKOUT_TEMPLATE} "
        f"holds {TEMPLATE_CONFIG}; reinstall databricks-utils"
    )


def template_config(template: Path | None = None) -> dict[str, Any]:
    """The whole ``cookiecutter.json`` of ``template`` (default: this installation's)."""
    path = (template or template_dir()) / TEMPLATE_CONFIG
    try:
        config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TemplateError(f"{path}: not a project template ({exc})") from None
    return config


def template_variables(template: Path | None = None) -> dict[str, Any]:
    """The answers the template asks for, with their defaults (lists are choices).

    Variables starting with ``_`` are internal and left out.

    Example:
        >>> variables = template_variables()
        >>> variables["project_name"], "job_cluster" in variables["compute"]
        ('My Pipeline', True)
    """
    variables = template_config(template)
    return {key: value for key, value in variables.items() if not key.startswith("_")}


def template_prompts(template: Path | None = None) -> dict[str, Any]:
    """The human text of each variable (``__prompts__``): a string, or for a choice a
    mapping with ``__prompt__`` and one label per choice."""
    prompts: dict[str, Any] = template_config(template).get("__prompts__", {})
    return prompts


def template_version(template: Path | None = None) -> str:
    """The version of ``template``: the databricks-utils release it ships in.

    A release pins the template's default ``databricks_utils_version`` to its own version
    (``scripts/release.py`` checks it), so that default is the template's version.

    Example:
        >>> template_version() == __import__("databricks_utils").__version__
        True
    """
    version = template_config(template).get(VERSION_VARIABLE)
    if not isinstance(version, str):
        where = template or template_dir()
        raise TemplateError(f"{where}: {TEMPLATE_CONFIG} has no {VERSION_VARIABLE}")
    return version
