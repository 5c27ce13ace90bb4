"""``databricks-utils new``: generate a pipeline project from the bundled template."""

from __future__ import annotations

import argparse
import sys

from databricks_utils.__about__ import __version__
from databricks_utils.template import TemplateError, create_project


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
    )
    new.add_argument("name", help="project name, e.g. 'Customer 360' (slug: customer-360)")
    new.add_argument(
        "answers",
        nargs="*",
        metavar="KEY=VALUE",
        help="template answers, e.g. compute=job_cluster orchestrator=airflow ci=none",
    )
    new.add_argument("--no-input", action="store_true", help="use defaults instead of prompting")
    new.add_argument(
        "--output-dir", default=".", help="directory to create the project in (default: .)"
    )
    new.set_defaults(handler=new_project, parser=new, collect_extras="answers")


def new_project(args: argparse.Namespace) -> int:
    """Generate the project; problems go to stderr with exit code 1."""
    answers = {}
    for item in args.answers:
        if item.startswith("-"):
            args.parser.error(f"unrecognized option {item!r}")
        key, sep, value = item.partition("=")
        if not sep or not key:
            args.parser.error(f"answers are KEY=VALUE, got {item!r}")
        answers[key] = value
    try:
        project = create_project(
            args.name, output_dir=args.output_dir, answers=answers, no_input=args.no_input
        )
    except TemplateError as exc:
        print(f"databricks-utils new: {exc}", file=sys.stderr)
        return 1
    print(f"Created {project}")
    print("Next: read its README.md, then")
    print(f"  cd {project}")
    print("  uv sync --extra dev    # databricks-utils comes from the private index only")
    print("  pytest")
    return 0
