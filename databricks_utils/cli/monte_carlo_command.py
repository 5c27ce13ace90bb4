"""``databricks-utils monte-carlo export|plan|apply``: the rules in code, synced to Monte Carlo."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

from databricks_utils.config import ConfigError, ConfigLoader

DEFAULT_OUTPUT = "build/montecarlo"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``monte-carlo`` command group to the top-level subparsers."""
    group = commands.add_parser(
        "monte-carlo", help="export, plan and apply the @monte_carlo_rule rules of a package"
    )
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write the rules as a monitors-as-code project for `montecarlo monitors apply`",
        description="Write the rules of PKG for ENV as a Monte Carlo monitors-as-code project.",
    )
    export.add_argument(
        "--output", default=DEFAULT_OUTPUT, help=f"project directory (default: {DEFAULT_OUTPUT})"
    )
    plan = actions.add_parser(
        "plan",
        help="show what apply would create, update and delete (a Monte Carlo dry run)",
        description="Ask Monte Carlo what applying the rules of PKG for ENV would change.",
    )
    apply = actions.add_parser(
        "apply",
        help="make the Monte Carlo namespace match the rules in code",
        description="Plan, then apply: the namespace becomes exactly the rules of PKG for ENV.",
    )
    apply.add_argument(
        "--allow-empty",
        action="store_true",
        help="allow applying no monitors at all (deletes every monitor of the namespace)",
    )
    for parser in (export, plan, apply):
        parser.add_argument("--env", required=True, help="environment name, e.g. prod")
        parser.add_argument(
            "--module",
            required=True,
            metavar="PKG",
            help="package holding the transformations, e.g. src.transformations",
        )
        parser.add_argument(
            "--path",
            help="config directory (default: $DATABRICKS_UTILS_CONFIG_DIR "
            "or the nearest config/ upwards)",
        )
        parser.add_argument(
            "--strict", action="store_true", help="fail when a module of PKG fails to import"
        )
        parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run one action; problems go to stderr with exit code 1."""
    from databricks_utils.observability import MonteCarloError, MonteCarloSync

    # pycarlo logs schema and HTTP noise through the root logger's last resort.
    logging.getLogger("pycarlo").setLevel(logging.CRITICAL)
    logging.getLogger("sgqlc").setLevel(logging.CRITICAL)
    if os.getcwd() not in sys.path:  # like `python -m`: packages of the project import
        sys.path.insert(0, os.getcwd())
    try:
        config = ConfigLoader.load(args.env, ConfigLoader.find_config_dir(args.path))
        sync = MonteCarloSync(config=config)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rules = sync.register_rules_from_module(args.module, strict=args.strict)
        for failure in sync.import_failures:
            print(f"warning: skipped module {failure}", file=sys.stderr)
        print(f"{len(rules)} rule(s) found in {args.module}; namespace {sync.namespace!r}")
        if args.action == "export":
            files = sync.export_mac(args.output)
            count = len(sync.monitors())
            print(f"Wrote {count} monitor(s) for environment {args.env!r} to {args.output}:")
            for path in files:
                print(f"  {path}")
        elif args.action == "plan":
            print(sync.plan().render())
        else:
            result = sync.apply(allow_empty=args.allow_empty)
            print(result.plan.render())
            if result.changes_applied:
                print(f"Applied: namespace {sync.namespace!r} now matches the rules in code.")
            else:
                print(f"Nothing to apply: namespace {sync.namespace!r} already matches.")
    except (ConfigError, MonteCarloError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
