"""``databricks-utils monte-carlo export|plan|apply``: the rules in code, synced to Monte Carlo."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from typing import TYPE_CHECKING

from databricks_utils.config import ConfigError, ConfigLoader

if TYPE_CHECKING:
    from databricks_utils.observability import MonteCarloSync, Plan

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
    export.add_argument(
        "--allow-empty",
        action="store_true",
        help="write a project without monitors (applying it deletes every monitor of the "
        "namespace)",
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
    apply.add_argument(
        "--yes",
        action="store_true",
        help="delete monitors without asking (needed to delete when there is no terminal)",
    )
    for parser in (plan, apply):
        parser.add_argument(
            "--allow-partial",
            action="store_true",
            help="when modules of PKG fail to import, keep their monitors as they are in "
            "Monte Carlo and sync the rest (refused otherwise: they would be deleted)",
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
        config = ConfigLoader.load(args.env, ConfigLoader.find_config_dir(args.path, env=args.env))
        sync = MonteCarloSync(config=config)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rules = sync.register_rules_from_module(args.module, strict=args.strict)
        for failure in sync.import_failures:
            print(f"warning: skipped module {failure}", file=sys.stderr)
        print(f"{len(rules)} rule(s) found in {args.module}; namespace {sync.namespace!r}")
        if args.action == "export":
            files = sync.export_mac(args.output, allow_empty=args.allow_empty)
            count = len(sync.monitors())
            print(f"Wrote {count} monitor(s) for environment {args.env!r} to {args.output}:")
            for path in files:
                print(f"  {path}")
        elif args.action == "plan":
            print(sync.plan(allow_partial=args.allow_partial).render())
        else:
            return _apply(sync, args)
    except (ConfigError, MonteCarloError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _apply(sync: MonteCarloSync, args: argparse.Namespace) -> int:
    """Apply; deletes need ``--yes`` or a yes from the terminal."""
    from databricks_utils.observability import SyncRefusedError

    shown: list[Plan] = []
    refusal: list[str] = []

    def confirm(plan: Plan) -> bool:
        print(plan.render())
        shown.append(plan)
        deletes = len(plan.names("delete"))
        if args.yes:
            return True
        if not sys.stdin.isatty():
            refusal.append(
                f"the plan deletes {deletes} monitor(s) and there is no terminal to ask: "
                "pass --yes to delete them"
            )
            return False
        try:
            answer = input(f"Delete {deletes} monitor(s) of namespace {plan.namespace!r}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            refusal.append(f"the {deletes} delete(s) were not confirmed")
            return False
        return True

    try:
        result = sync.apply(
            allow_empty=args.allow_empty, allow_partial=args.allow_partial, confirm_deletes=confirm
        )
    except SyncRefusedError:
        if not refusal:
            raise
        print(
            f"error: {refusal[0]}. Nothing was applied: namespace {sync.namespace!r} is unchanged.",
            file=sys.stderr,
        )
        return 1
    if not shown:
        print(result.plan.render())
    if result.changes_applied:
        print(f"Applied: namespace {sync.namespace!r} now matches the rules in code.")
    else:
        print(f"Nothing to apply: namespace {sync.namespace!r} already matches.")
    return 0
