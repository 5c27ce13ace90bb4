"""Creating a project: the template rendered by cookiecutter with the given answers, which
the project records for ``databricks-utils update`` (see the package docstring)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from databricks_utils.__about__ import __version__
from databricks_utils.template.source import (
    INSTALL_HINT,
    VERSION_VARIABLE,
    TemplateError,
    template_dir,
    template_variables,
)

_TEMPLATE_SYNTAX = ("{{", "{%", "{#")
_NO_SLUG = (
    "project name {name!r} has no letters or digits to derive project_slug from: use a "
    "name with some, or give the slug, e.g. project_slug=customer-360"
)


class AnswersRefusedError(TemplateError):
    """The template's own checks refused the answers; they listed the problems on stderr."""


class _EmptySlugError(Exception):
    """cookiecutter was about to generate into the output directory itself."""


def _slugify(name: str) -> str:
    """The slug cookiecutter's ``slugify`` filter makes of ``name`` (python-slugify)."""
    try:
        from slugify import slugify
    except ImportError:  # cookiecutter is missing too: create_project says so
        return name
    slug: str = slugify(name)
    return slug


def create_project(
    name: str,
    *,
    output_dir: str | os.PathLike[str] = ".",
    answers: Mapping[str, str] | None = None,
    no_input: bool = True,
) -> Path:
    """Generate a pipeline project called ``name`` and return its directory.

    Args:
        name: The project name (free text); the slug and package name derive from it
            unless ``answers`` sets ``project_slug`` / ``package_name``.
        output_dir: Where the project directory is created.
        answers: Other template variables, e.g. ``{"compute": "job_cluster"}``.
            ``databricks_utils_version`` defaults to the installed version.
        no_input: ``False`` prompts for every variable not given, with these as defaults.

    Returns:
        The new project's directory.

    Raises:
        TemplateError: for an unknown variable, a value that is not one of a variable's
            choices, template syntax in a value, an existing project directory, answers the
            template's checks refuse (listed on stderr; nothing is left behind), or when
            ``cookiecutter`` is not installed.

    Example:
        >>> create_project("Customer 360", answers={"compute": "job_cluster"})  # doctest: +SKIP
        PosixPath('customer-360')
    """
    context = {"project_name": name, VERSION_VARIABLE: __version__, **(answers or {})}
    _check_answers(context, template_variables())
    if "project_slug" not in context and not _slugify(name):
        raise TemplateError(_NO_SLUG.format(name=name))
    try:
        return _run_cookiecutter(template_dir(), context, Path(output_dir), no_input)
    except _EmptySlugError:
        raise TemplateError(_NO_SLUG.format(name=context["project_name"])) from None


def render_project(
    template: Path, answers: Mapping[str, str], output_dir: Path, config_file: Path | None = None
) -> Path:
    """Render ``template`` with recorded ``answers``, without prompting; the project's path.

    Answers the template does not ask for are dropped, and variables it asks for that
    ``answers`` lacks take their defaults: an older project renders from a newer template.

    Raises:
        TemplateError: as `create_project`.
    """
    variables = template_variables(template)
    context = {key: value for key, value in answers.items() if key in variables}
    _check_answers(context, variables)
    return _run_cookiecutter(template, context, output_dir, no_input=True, config_file=config_file)


def _run_cookiecutter(
    template: Path,
    context: Mapping[str, str],
    output_dir: Path,
    no_input: bool,
    config_file: Path | None = None,
) -> Path:
    try:
        from cookiecutter.exceptions import (
            CookiecutterException,
            FailedHookException,
            OutputDirExistsException,
        )
        from cookiecutter.main import cookiecutter
    except ImportError:
        raise TemplateError(f"generating a project needs cookiecutter: {INSTALL_HINT}") from None
    # Without a handler of its own, cookiecutter's log of a refused answer would reach
    # stderr as a traceback; our error says it once. Configured logging still gets it.
    quiet = logging.NullHandler()
    cookiecutter_log = logging.getLogger("cookiecutter")
    cookiecutter_log.addHandler(quiet)
    try:
        created = cookiecutter(
            str(template),
            no_input=no_input,
            extra_context=dict(context),
            output_dir=os.fspath(output_dir),
            config_file=os.fspath(config_file) if config_file else None,
        )
    except FailedHookException:
        raise AnswersRefusedError(
            "the template refused the answers (the problems are listed above); "
            "nothing was generated"
        ) from None
    except OutputDirExistsException as exc:
        if _is_output_dir(exc, output_dir):
            raise _EmptySlugError from None
        raise TemplateError(
            f"{str(exc).removeprefix('Error: ')}: choose another output directory or project "
            "name, or remove it"
        ) from None
    except CookiecutterException as exc:
        raise TemplateError(f"cannot generate the project: {exc}") from exc
    finally:
        cookiecutter_log.removeHandler(quiet)
    return Path(created)


def _is_output_dir(exc: Exception, output_dir: Path) -> bool:
    # cookiecutter names the directory it would create: '"<path>" directory already exists'.
    named = str(exc).removeprefix("Error: ").partition('" directory')[0].strip('"')
    return Path(named).resolve() == output_dir.resolve()


def _check_answers(context: Mapping[str, Any], variables: Mapping[str, Any]) -> None:
    problems = []
    for key, value in context.items():
        if key not in variables:
            problems.append(
                f"unknown template variable {key!r}; valid variables: {', '.join(variables)}"
            )
            continue
        if not isinstance(value, str):
            problems.append(f"{key}: must be a string, got {type(value).__name__}")
            continue
        if any(marker in value for marker in _TEMPLATE_SYNTAX):
            # cookiecutter renders answers as Jinja: "{{ ... }}" in a value would run.
            problems.append(f"{key}: template syntax ('{{{{', '{{%', '{{#') is not allowed")
            continue
        choices = variables[key]
        if isinstance(choices, list) and value not in choices:
            problems.append(f"{key} {value!r} is not a choice; choose one of: {', '.join(choices)}")
    if problems:
        raise TemplateError("; ".join(problems))
