"""The library reaches the JVM from Python only on guarded, classic-only paths.

Spark Connect (Databricks serverless, Databricks Connect) has no JVM on the Python side and
serverless refuses caching. Every use of a JVM-only attribute or of caching in the library
must sit in one of the functions below, each of which checks for a classic session first and
is exercised on both kinds of session by the matrix (docs/runtimes.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[1] / "databricks_utils"

#: Attributes that exist only on classic sessions and DataFrames, or that serverless refuses.
JVM_ONLY = frozenset(
    {
        "_jvm",
        "_jdf",
        "_jsc",
        "_jc",
        "_jdt",
        "_jsparkSession",
        "_jconf",
        "_gateway",
        "sparkContext",
        "rdd",
        "cache",
        "persist",
        "localCheckpoint",
        "checkpoint",
    }
)

#: (module, function) -> the attributes it may use, behind its own classic-session check.
GUARDED = {
    ("delta/_materialize.py", "checkpoint"): {"localCheckpoint"},
    ("delta/_classic.py", "snapshot_version"): {"_jdt"},
    ("logging/context.py", "_spark_run_id"): {"sparkContext"},
}


def jvm_uses(source: str) -> list[tuple[str, str, int]]:
    """(enclosing function, attribute, line) of each JVM-only attribute access in ``source``."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            attribute = _attribute_named(child)
            if attribute in JVM_ONLY:
                found.append((function, attribute, child.lineno))  # type: ignore[attr-defined]
            visit(child, name)

    visit(ast.parse(source), "<module>")
    return found


def _attribute_named(node: ast.AST) -> str | None:
    """``x.name`` or ``getattr(x, "name", …)``: the attribute's name."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        return node.args[1].value
    return None


def test_the_check_finds_jvm_access() -> None:
    code = (
        "def f(spark, df):\n    df.cache()\n    return spark._jvm.x\n"
        "def g(t):\n    return getattr(t, '_jdt', None)\n"
    )

    assert jvm_uses(code) == [("f", "cache", 2), ("f", "_jvm", 3), ("g", "_jdt", 5)]


@pytest.mark.parametrize(
    "module", sorted(str(p.relative_to(LIBRARY)) for p in LIBRARY.rglob("*.py")), ids=str
)
def test_library_code_touches_the_jvm_only_on_guarded_paths(module: str) -> None:
    uses = jvm_uses((LIBRARY / module).read_text(encoding="utf-8"))

    unguarded = [
        f"{module}:{line} {function}() uses .{attribute}"
        for function, attribute, line in uses
        if attribute not in GUARDED.get((module, function), set())
    ]
    assert not unguarded, (
        "JVM-only access outside a guarded classic-only path (add a Spark Connect path, "
        f"then list the function in GUARDED): {unguarded}"
    )


def test_every_guarded_path_still_exists() -> None:
    for (module, function), attributes in GUARDED.items():
        used = {a for f, a, _ in jvm_uses((LIBRARY / module).read_text(encoding="utf-8"))}
        assert attributes <= used, f"{module}:{function} no longer uses {attributes - used}"
        assert any(f == function for f, _, _ in jvm_uses((LIBRARY / module).read_text()))
