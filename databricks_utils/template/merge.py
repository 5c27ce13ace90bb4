"""Three-way merge of one file: the project's copy, and the template's before and after.

``git merge-file`` does the merge, so conflicts look as they do in any git merge.

Example:
    >>> merge_text("a\\nmine\\n", "a\\nb\\n", "a\\nb\\nnew\\n", "template").text  # doctest: +SKIP
    'a\\nmine\\nnew\\n'
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from databricks_utils.template.source import TemplateError


@dataclass(frozen=True)
class Merged:
    """The merged text, and how many conflicts it holds (marked ``<<<<<<<``/``>>>>>>>``)."""

    text: str
    conflicts: int


def merge_text(ours: str, base: str, theirs: str, theirs_label: str) -> Merged:
    """Merge the change ``base`` -> ``theirs`` into ``ours``.

    Args:
        ours: The project's file as it is now.
        base: The file as the template the project came from renders it.
        theirs: The file as the newer template renders it.
        theirs_label: Names ``theirs`` in conflict markers, e.g. ``template 0.2.0``.

    Raises:
        TemplateError: when git is not installed or cannot merge.
    """
    git = shutil.which("git")
    if git is None:
        raise TemplateError("updating a project needs git on the PATH (git merge-file)")
    with tempfile.TemporaryDirectory(prefix="databricks-utils-merge-") as scratch:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(scratch) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        labels = ["-L", "project", "-L", "template before", "-L", theirs_label]
        result = subprocess.run(
            [git, "merge-file", "-p", *labels, *paths],
            capture_output=True,
            check=False,
        )
    if result.returncode < 0 or result.returncode > 127:
        raise TemplateError(f"git merge-file failed: {result.stderr.decode(errors='replace')}")
    return Merged(result.stdout.decode("utf-8"), result.returncode)
