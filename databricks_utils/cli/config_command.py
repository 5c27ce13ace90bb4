"""``databricks-utils config show``: the merged, validated config, secrets masked."""

from __future__ import annotations

import argparse
import sys

import yaml

from databricks_utils.config import ConfigError, ConfigLoader, EnvironmentConfig
from databricks_utils.config.errors import display_path
from databricks_utils.redaction import redact_mapping, redact_text


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``config`` command group to the top-level subparsers."""
    config = commands.add_parser("config", help="inspect the layered configuration")
    actions = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser(
        "show",
        help="print the merged, validated config of an environment (secrets masked)",
        description="Print the merged, validated configuration of ENV as YAML, secrets masked.",
    )
    show.add_argument("--env", required=True, help="environment name, e.g. dev")
    show.add_argument(
        "--path",
        help="config directory (default: $DATABRICKS_UTILS_CONFIG_DIR "
        "or the nearest config/ upwards)",
    )
    show.set_defaults(handler=show_config)


def show_config(args: argparse.Namespace) -> int:
    """Print the config as YAML on stdout; problems go to stderr with exit code 1."""
    try:
        directory = ConfigLoader.find_config_dir(args.path)
        config = ConfigLoader.load(args.env, directory)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"# environment {args.env!r} from {display_path(directory)}: "
        f"defaults.yaml -> {args.env}.yaml"
    )
    print(render_config(config), end="")
    return 0


def render_config(config: EnvironmentConfig) -> str:
    """The config as YAML with secrets and sensitive Spark settings masked.

    Example:
        >>> cfg = EnvironmentConfig(environment="dev", catalog={"name": "c", "schema": "s"})
        >>> print(render_config(cfg).splitlines()[0])
        environment: dev
    """
    data = config.model_dump(mode="json", by_alias=True)
    data["spark"]["config"] = redact_mapping(data["spark"]["config"])
    if data["spark"]["remote"] is not None:
        data["spark"]["remote"] = redact_text(data["spark"]["remote"])
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
