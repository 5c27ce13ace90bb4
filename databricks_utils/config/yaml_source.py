"""Read one YAML config file: refuse duplicate keys, remember where every key stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from databricks_utils.config.errors import ConfigProblem, display_path
from databricks_utils.config.keys import KeyPath, format_key

MAX_NODES = 10_000
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_CONVERTED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "timestamp")
)


@dataclass
class YamlDocument:
    """A parsed config file.

    Attributes:
        source: The file, as shown in problems.
        data: The top-level mapping.
        positions: 1-based (line, column) of each key path.
        plain_scalars: Source text of unquoted scalars that YAML turned into a boolean,
            number or date, by key path (``0755`` became 493, ``yes`` became True).
        problems: What prevented reading the file.
    """

    source: str
    data: dict[str, Any]
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    plain_scalars: dict[KeyPath, str] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)


def read_yaml(path: Path) -> YamlDocument:
    """Parse ``path`` into a mapping, collecting problems instead of raising.

    An empty file is an empty mapping. Syntax errors, duplicate keys, non-string keys,
    values YAML cannot convert, recursive aliases and a top level that is not a mapping
    become problems naming file, line and column.
    """
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else "not valid UTF-8"
        return _failed(source, ConfigProblem(source, None, f"cannot read: {reason}"))
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse YAML ``text``; ``source`` names it in problems (see `read_yaml`)."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # control characters are refused up front
        return _failed(source, _reader_problem(source, text, exc))
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            return _failed(source, _reader_problem(source, text, exc))
        except yaml.MarkedYAMLError as exc:
            return _failed(source, _syntax_problem(source, exc))
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            return YamlDocument(source, {})
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            message = f"the top level must be a mapping of keys to values, got {kind}"
            return _failed(source, ConfigProblem(source, None, message, *_mark(node)))
        document = YamlDocument(source, {})
        _Indexer(document, loader).index(node, (), frozenset())
        if document.problems:
            return document
        try:
            document.data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            return _failed(source, _syntax_problem(source, exc))
        return document
    finally:
        loader.dispose()


class _Indexer:
    """Walks the node tree before construction: positions, key checks, scalar checks."""

    def __init__(self, document: YamlDocument, loader: yaml.SafeLoader):
        self.doc = document
        self.loader = loader
        self.visited = 0

    def index(self, node: yaml.Node, path: KeyPath, ancestors: frozenset[int]) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            if self.visited == MAX_NODES + 1:
                self._problem(node, path, f"more than {MAX_NODES} values once aliases are expanded")
            return
        if id(node) in ancestors:
            self._problem(node, path, "an alias refers to a node that contains it (recursive)")
            return
        ancestors = ancestors | {id(node)}
        if isinstance(node, yaml.ScalarNode):
            self._scalar(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.doc.positions.setdefault((*path, index), _mark(item))
                self.index(item, (*path, index), ancestors)
        elif isinstance(node, yaml.MappingNode):
            self._mapping(node, path, ancestors)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, ancestors: frozenset[int]) -> None:
        first_seen: dict[str, int] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.append(value_node)
                continue
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR_TAG):
                self._problem(
                    key_node,
                    path,
                    f"keys must be strings; quote the key {key_node.value!r} if it is meant as text"
                    if isinstance(key_node, yaml.ScalarNode)
                    else "keys must be strings, not lists or mappings",
                )
                continue
            key: str = key_node.value
            key_path = (*path, key)
            line = _mark(key_node)[0]
            if key in first_seen:
                self._problem(
                    key_node,
                    key_path,
                    f"duplicate key (first defined at line {first_seen[key]}); "
                    "YAML would silently keep only the last value, remove one of them",
                )
                continue
            first_seen[key] = line
            self.doc.positions.setdefault(key_path, _mark(key_node))
            self.index(value_node, key_path, ancestors)
        # `<<: *anchor` keys come after the explicit ones, which take precedence.
        for value_node in merged:
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    self.index(source, path, ancestors)

    def _scalar(self, node: yaml.ScalarNode, path: KeyPath) -> None:
        try:
            self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError):
            tag = node.tag.rsplit(":", 1)[-1]
            self._problem(
                node, path, f"YAML cannot read this value as {tag}; quote it if it is text"
            )
            return
        if node.style is None and node.tag in _CONVERTED_TAGS and path:
            self.doc.plain_scalars[path] = node.value

    def _problem(self, node: yaml.Node, path: KeyPath, message: str) -> None:
        self.doc.problems.append(
            ConfigProblem(self.doc.source, format_key(path) or None, message, *_mark(node))
        )


def _failed(source: str, problem: ConfigProblem) -> YamlDocument:
    return YamlDocument(source, {}, problems=[problem])


def _syntax_problem(source: str, exc: yaml.MarkedYAMLError) -> ConfigProblem:
    # Only the problem and its position: PyYAML's snippet would echo the line, secrets included.
    mark = exc.problem_mark or exc.context_mark
    problem, context = exc.problem, exc.context
    if problem and context:
        text = f"{problem} ({context})" if context.startswith("while") else f"{context}, {problem}"
    else:
        text = problem or context or "cannot parse"
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return ConfigProblem(source, None, f"YAML syntax error: {text}", line, column)


def _reader_problem(source: str, text: str, exc: yaml.reader.ReaderError) -> ConfigProblem:
    before = text[: exc.position]
    line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    message = f"contains the character #x{exc.character:04x}, which YAML does not allow in a file"
    if isinstance(exc.character, bytes):  # pragma: no cover - only for byte input
        message = "is not valid text"
    return ConfigProblem(source, None, message, line, column)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1
