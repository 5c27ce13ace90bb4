"""Read one YAML config file: refuse duplicate keys, remember where every key stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from databricks_utils.config.errors import ConfigProblem, display_path
from databricks_utils.config.keys import KeyPath, format_key

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class YamlDocument:
    """A parsed config file: its data, and the 1-based (line, column) of each key path."""

    source: str
    data: dict[str, Any]
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)


def read_yaml(path: Path) -> YamlDocument:
    """Parse ``path`` into a mapping, collecting problems instead of raising.

    An empty file is an empty mapping. Syntax errors, duplicate keys, non-string keys
    and a top level that is not a mapping become problems naming file, line and column.
    """
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else "not valid UTF-8"
        return YamlDocument(
            source, {}, problems=[ConfigProblem(source, None, f"cannot read: {reason}")]
        )
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse YAML ``text``; ``source`` names it in problems (see [`read_yaml`][])."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            return YamlDocument(source, {}, problems=[_syntax_problem(source, exc)])
        except yaml.YAMLError as exc:
            return YamlDocument(source, {}, problems=[ConfigProblem(source, None, str(exc))])
        if node is None:
            return YamlDocument(source, {})
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            problem = ConfigProblem(
                source,
                None,
                f"the top level must be a mapping of keys to values, got {kind}",
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
            )
            return YamlDocument(source, {}, problems=[problem])
        document = YamlDocument(source, {})
        _index(node, (), document, set())
        if document.problems:
            return document
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            return YamlDocument(source, {}, problems=[_syntax_problem(source, exc)])
        document.data = data
        return document
    finally:
        loader.dispose()


def _syntax_problem(source: str, exc: yaml.MarkedYAMLError) -> ConfigProblem:
    # Only the problem and its position: PyYAML's snippet would echo the line, secrets included.
    mark = exc.problem_mark or exc.context_mark
    message = "YAML syntax error: " + (exc.problem or exc.context or "cannot parse")
    if exc.context and exc.problem:
        message += f" ({exc.context})"
    if mark is None:
        return ConfigProblem(source, None, message)
    return ConfigProblem(source, None, message, line=mark.line + 1, column=mark.column + 1)


def _index(node: yaml.Node, path: KeyPath, doc: YamlDocument, seen: set[int]) -> None:
    if id(node) in seen:  # an alias to a node already indexed
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.positions.setdefault((*path, index), _mark(item))
            _index(item, (*path, index), doc, seen)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    first_seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        line, column = _mark(key_node)
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:str"):
            doc.problems.append(
                ConfigProblem(
                    doc.source,
                    format_key(path) or None,
                    f"keys must be strings; quote the key {key_node.value!r} if it is meant as text"
                    if isinstance(key_node, yaml.ScalarNode)
                    else "keys must be strings, not lists or mappings",
                    line=line,
                    column=column,
                )
            )
            continue
        key: str = key_node.value
        key_path = (*path, key)
        if key in first_seen:
            doc.problems.append(
                ConfigProblem(
                    doc.source,
                    format_key(key_path),
                    f"duplicate key (first defined at line {first_seen[key]}); "
                    "YAML would silently keep only the last value, remove one of them",
                    line=line,
                    column=column,
                )
            )
            continue
        first_seen[key] = line
        doc.positions[key_path] = (line, column)
        _index(value_node, key_path, doc, seen)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1
