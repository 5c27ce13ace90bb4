"""The ``databricks-utils`` command line.

Example:
    ```console
    $ databricks-utils config show --env dev
    ```
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from databricks_utils.__about__ import __version__
from databricks_utils.cli import (
    config_command,
    monte_carlo_command,
    new_command,
    update_command,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``databricks-utils`` with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="databricks-utils",
        description="Tools for Databricks medallion pipelines built with databricks-utils.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config_command.register(commands)
    monte_carlo_command.register(commands)
    new_command.register(commands)
    update_command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code: 0 ok, 1 failure.

    Usage errors exit with code 2 through ``SystemExit``, as argparse does.

    Example:
        >>> main(["config", "show", "--env", "dev", "--path", "config"])  # doctest: +SKIP
        0
    """
    parser = build_parser()
    # A command with trailing free-form arguments (KEY=VALUE) collects them after options too.
    args, extras = parser.parse_known_args(argv)
    if extras:
        collect = getattr(args, "collect_extras", None)
        if collect is None:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        getattr(args, collect).extend(extras)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
