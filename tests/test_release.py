"""scripts/release.py: the checks and steps CI runs before and while publishing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import databricks_utils

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "release.py"

CHANGELOG = """\
# Changelog

## [Unreleased]

## [0.2.0] - 2026-05-01

### Added

- Something useful.

## [0.1.0] - 2026-01-01

### Added

- The first release.
"""


def release(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository at version 0.2.0 with its changelog entry and template pin."""
    root = tmp_path / "repo"
    (root / "databricks_utils").mkdir(parents=True)
    (root / "template").mkdir()
    shutil.copy(ROOT / "pyproject.toml", root)
    (root / "databricks_utils" / "__about__.py").write_text('__version__ = "0.2.0"\n')
    template_config = (ROOT / "template" / "cookiecutter.json").read_text()
    pinned = template_config.replace(
        f'"databricks_utils_version": "{databricks_utils.__version__}"',
        '"databricks_utils_version": "0.2.0"',
    )
    (root / "template" / "cookiecutter.json").write_text(pinned)
    (root / "CHANGELOG.md").write_text(CHANGELOG)
    return root


def test_version_is_the_package_version() -> None:
    result = release(ROOT, "version")

    assert (result.returncode, result.stdout) == (0, f"{databricks_utils.__version__}\n")


def test_check_passes_when_tag_changelog_and_template_agree(repo: Path) -> None:
    result = release(repo, "check", "--tag", "v0.2.0")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "release 0.2.0: tag, changelog and template agree\n"


def test_check_refuses_a_tag_that_is_not_the_version(repo: Path) -> None:
    result = release(repo, "check", "--tag", "v0.2.1")

    assert result.returncode == 1
    assert result.stderr == (
        "release.py check: cannot release:\n"
        "  - tag 'v0.2.1' does not match the package version '0.2.0': tag v0.2.0, or bump "
        "the version (scripts/release.py bump ...) and tag again\n"
    )


def test_check_needs_a_dated_changelog_section_with_entries(repo: Path) -> None:
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(CHANGELOG.replace("## [0.2.0] - 2026-05-01", "## [0.2.0]"))

    undated = release(repo, "check", "--tag", "v0.2.0")

    changelog.write_text(CHANGELOG.replace("- Something useful.\n", ""))
    empty = release(repo, "check", "--tag", "v0.2.0")

    assert undated.returncode == empty.returncode == 1
    assert (
        "  - CHANGELOG.md has no section '## [0.2.0] - YYYY-MM-DD': move the Unreleased "
        "entries under it\n"
    ) in undated.stderr
    assert "  - CHANGELOG.md section [0.2.0] lists no change\n" in empty.stderr


def test_check_needs_the_template_to_pin_the_release(repo: Path) -> None:
    config = repo / "template" / "cookiecutter.json"
    config.write_text(config.read_text().replace('"0.2.0"', '"0.1.0"'))

    result = release(repo, "check", "--tag", "v0.2.0")

    assert result.returncode == 1
    assert (
        "template/cookiecutter.json pins databricks_utils_version '0.1.0', not '0.2.0'"
    ) in result.stderr


def test_check_refuses_a_pre_release_version(repo: Path) -> None:
    (repo / "databricks_utils" / "__about__.py").write_text('__version__ = "0.3.0rc1"\n')

    result = release(repo, "check", "--tag", "v0.3.0rc1")

    assert result.returncode == 1
    assert "  - package version '0.3.0rc1' is not a release x.y.z\n" in result.stderr


def test_bump_moves_the_version_and_the_template_pin_together(repo: Path) -> None:
    before = json.loads((repo / "template" / "cookiecutter.json").read_text())

    result = release(repo, "bump", "minor")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "version 0.3.0 (template pin updated)\n"
    assert (repo / "databricks_utils" / "__about__.py").read_text() == '__version__ = "0.3.0"\n'
    after = json.loads((repo / "template" / "cookiecutter.json").read_text())
    assert after == {**before, "databricks_utils_version": "0.3.0"}


def test_bump_refuses_an_unknown_part(repo: Path) -> None:
    result = release(repo, "bump", "huge")

    assert result.returncode == 1
    assert result.stderr == "release.py bump: bump takes major, minor, patch or x.y.z, not 'huge'\n"


def publish_env(**variables: str) -> dict[str, str]:
    """A minimal environment with a complete set of publishing variables, or those given."""
    defaults = {
        "TWINE_REPOSITORY_URL": "https://pypi.example.com/",
        "TWINE_USERNAME": "ci",
        "TWINE_PASSWORD": "hunter2",
    }
    return {"PATH": "/usr/bin:/bin", **{k: v for k, v in {**defaults, **variables}.items() if v}}


def test_publish_needs_the_credentials_in_the_environment(repo: Path) -> None:
    result = release(repo, "publish", env=publish_env(TWINE_USERNAME="", TWINE_PASSWORD=""))

    assert result.returncode == 1
    assert result.stderr == (
        "release.py publish: missing environment variables: TWINE_USERNAME, TWINE_PASSWORD "
        "(set them from the CI secret store; never on the command line)\n"
    )


def test_publish_refuses_credentials_in_the_url_without_echoing_them(repo: Path) -> None:
    env = publish_env(TWINE_REPOSITORY_URL="https://ci:hunter2@pypi.example.com/")

    result = release(repo, "publish", env=env)

    assert result.returncode == 1
    assert "TWINE_REPOSITORY_URL contains credentials" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_publish_uploads_only_a_complete_dist_of_this_version(repo: Path) -> None:
    dist = repo / "dist"
    dist.mkdir()
    (dist / "databricks_utils-0.1.0-py3-none-any.whl").write_bytes(b"")

    result = release(repo, "publish", env=publish_env())

    assert result.returncode == 1
    assert result.stderr == (
        f"release.py publish: {dist} must hold exactly databricks_utils-0.2.0-py3-none-any.whl, "
        "databricks_utils-0.2.0.tar.gz; found databricks_utils-0.1.0-py3-none-any.whl: run "
        "scripts/release.py build first\n"
    )
