"""Template answers given on the command line as ``KEY=VALUE`` (``new`` and ``update``)."""

from __future__ import annotations

import argparse


def parse_answers(args: argparse.Namespace) -> dict[str, str]:
    """``args.answers`` as a mapping; a malformed item is a usage error (exit code 2).

    Example:
        >>> parse_answers(argparse.Namespace(answers=["runtime=18"], parser=None))
        {'runtime': '18'}
    """
    answers = {}
    for item in args.answers:
        if item.startswith("-"):
            args.parser.error(f"unrecognized option {item!r}")
        key, sep, value = item.partition("=")
        if not sep or not key:
            args.parser.error(f"answers are KEY=VALUE, got {item!r}")
        answers[key] = value
    return answers
