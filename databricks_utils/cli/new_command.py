"""``databricks-utils new``: generate a pipeline project from the bundled template."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from databricks_utils.__about__ import __version__
from databricks_utils.cli.answers import parse_answers
from databricks_utils.template import TemplateError, create_project, template_variables
from databricks_utils.template.answers import read_answers
from databricks_utils.template.previous import PASSWORD_VARIABLE, USERNAME_VARIABLE
from databricks_utils.template.source import template_prompts

INDEX_VARIABLE = "private_index_url"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``new`` command to the top-level subparsers."""
    new = commands.add_parser(
        "new",
        help="generate a pipeline project (bundle, config, bronze/silver/gold, tests, CI)",
        description=(
            "Generate a pipeline project from the template shipped with databricks-utils "
            f"{__version__}, pinned to databricks-utils=={__version__} unless "
            "databricks_utils_version=X.Y.Z is given. Prompts for the other answers "
            "unless --no-input is given."
        ),
        epilog=variables_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("name", help="project name, e.g. 'Customer 360' (slug: customer-360)")
    new.add_argument(
        "answers",
        nargs="*",
        metavar="KEY=VALUE",
        help="template answers, e.g. compute=job_cluster runtime=18 ci=none (listed below)",
    )
    new.add_argument("--no-input", action="store_true", help="use defaults instead of prompting")
    new.add_argument(
        "--output-dir", default=".", help="directory to create the project in (default: .)"
    )
    new.set_defaults(handler=new_project, parser=new, collect_extras="answers")


def variables_help() -> str:
    """Every template variable: what it sets, its default, and its choices."""
    prompts = template_prompts()
    variables = template_variables()
    width = max(len(key) for key in variables) + 2
    lines = ["template variables (KEY=VALUE):"]
    for key, default in variables.items():
        prompt = prompts.get(key, "")
        if isinstance(default, list):
            labels: dict[str, Any] = prompt if isinstance(prompt, dict) else {}
            lines.append(f"  {key:<{width}}{labels.get('__prompt__', '')}")
            choice_width = max(len(choice) for choice in default) + 2
            for index, choice in enumerate(default):
                label = labels.get(choice, "")
                suffix = " (default)" if index == 0 else ""
                lines.append(f"  {'':<{width}}  {choice:<{choice_width}}{label}{suffix}".rstrip())
        else:
            lines.append(f"  {key:<{width}}{prompt}")
            lines.append(f"  {'':<{width}}  default: {_describe_default(key, default)}")
    return "\n".join(lines)


def _describe_default(key: str, default: str) -> str:
    if key == "project_name":
        return "the NAME argument"
    if key == "databricks_utils_version":
        return f"{__version__} (this databricks-utils)"
    if "uuid4()" in default:
        return "a new random UUID"
    sources = re.findall(r"cookiecutter\.(\w+)", default)
    if sources:
        return f"derived from {', '.join(dict.fromkeys(sources))}"
    return repr(default) if default == "" else default


def new_project(args: argparse.Namespace) -> int:
    """Generate the project; problems go to stderr with exit code 1."""
    answers = parse_answers(args)
    try:
        project = create_project(
            args.name, output_dir=args.output_dir, answers=answers, no_input=args.no_input
        )
        index = read_answers(project).answers.get(INDEX_VARIABLE, "")
    except TemplateError as exc:
        print(f"databricks-utils new: {exc}", file=sys.stderr)
        return 1
    placeholder = template_variables()[INDEX_VARIABLE]
    if index == placeholder:
        print(_placeholder_warning(placeholder), file=sys.stderr)
    print(f"Created {project}")
    print("Next: read its README.md, then")
    print(f"  cd {project}")
    print(f"  export {USERNAME_VARIABLE}=<user> {PASSWORD_VARIABLE}=<read token>   # for {index}")
    print("  uv sync --extra dev    # databricks-utils comes from the private index only")
    print("  pytest")
    return 0


def _placeholder_warning(placeholder: str) -> str:
    return "\n".join(
        [
            "WARNING: " + "!" * 70,
            f"WARNING: {INDEX_VARIABLE} is the placeholder {placeholder}:",
            "WARNING: the project cannot install databricks-utils until it names your team's",
            "WARNING: private index. Generate it again with",
            f"WARNING:   {INDEX_VARIABLE}=https://<your index host>/<path>/simple/",
            f"WARNING: and set {USERNAME_VARIABLE} and {PASSWORD_VARIABLE} to a user",
            "WARNING: and read token of that index before `uv sync`.",
            "WARNING: " + "!" * 70,
        ]
    )
