"""Release steps of databricks-utils, the same on a laptop, in CI and in the tests.

    python scripts/release.py version                  # print the package version
    python scripts/release.py bump minor               # 0.1.0 -> 0.2.0 (also the template pin)
    python scripts/release.py check --tag v0.2.0       # tag, changelog and template agree
    python scripts/release.py build [--outdir dist]    # sdist + wheel, twine check --strict
    python scripts/release.py publish [--dist dist]    # twine upload to $TWINE_REPOSITORY_URL

``publish`` reads the index URL and credentials from ``TWINE_REPOSITORY_URL``,
``TWINE_USERNAME`` and ``TWINE_PASSWORD`` only; they are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DIST_NAME = "databricks_utils"
RELEASE_VERSION = re.compile(r"\d+\.\d+\.\d+")
TEMPLATE_CONFIG = Path("template") / "cookiecutter.json"
TEMPLATE_VERSION_KEY = "databricks_utils_version"
PUBLISH_ENV = ("TWINE_REPOSITORY_URL", "TWINE_USERNAME", "TWINE_PASSWORD")
BUMPS = ("major", "minor", "patch")


class ReleaseError(Exception):
    """A release step cannot go on; the message says why and what to do."""


def run(command: Sequence[str], root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``root``, raising `ReleaseError` with its output when it fails."""
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        shown = " ".join(["python", *command[1:]] if command[0] == sys.executable else command)
        raise ReleaseError(f"{shown} failed:\n{output}")
    return result


def package_version(root: Path) -> str:
    """The version hatchling builds, from ``databricks_utils/__about__.py``."""
    return run([sys.executable, "-m", "hatchling", "version"], root).stdout.strip()


def template_version(root: Path) -> str:
    """The databricks-utils version the project template pins by default."""
    config = json.loads((root / TEMPLATE_CONFIG).read_text(encoding="utf-8"))
    return str(config[TEMPLATE_VERSION_KEY])


def set_template_version(root: Path, version: str) -> None:
    path = root / TEMPLATE_CONFIG
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf'("{TEMPLATE_VERSION_KEY}":\s*")[^"]*(")')
    if not pattern.search(text):
        raise ReleaseError(f"{path}: no {TEMPLATE_VERSION_KEY!r} to update")
    path.write_text(pattern.sub(rf"\g<1>{version}\g<2>", text, count=1), encoding="utf-8")


def changelog_entry(root: Path, version: str) -> str | None:
    """The text of the ``## [version] - YYYY-MM-DD`` section of CHANGELOG.md, if any."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    heading = re.compile(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}[ \t]*$", re.M)
    match = heading.search(text)
    if match is None:
        return None
    following = re.compile(r"^## ", re.M).search(text, match.end())
    return text[match.end() : following.start() if following else len(text)].strip()


def check(root: Path, tag: str) -> str:
    """Check that ``tag`` may be released; returns the version.

    The tag is ``v`` + the package version, an ``x.y.z`` release; CHANGELOG.md has a
    dated section for it with at least one entry; the template pins that version.
    """
    version = package_version(root)
    problems = []
    if not RELEASE_VERSION.fullmatch(version):
        problems.append(f"package version {version!r} is not a release x.y.z")
    if tag != f"v{version}":
        problems.append(
            f"tag {tag!r} does not match the package version {version!r}: tag v{version}, "
            "or bump the version (scripts/release.py bump ...) and tag again"
        )
    entry = changelog_entry(root, version)
    if entry is None:
        problems.append(
            f"CHANGELOG.md has no section '## [{version}] - YYYY-MM-DD': move the "
            "Unreleased entries under it"
        )
    elif not re.search(r"^\s*[-*] ", entry, re.M):
        problems.append(f"CHANGELOG.md section [{version}] lists no change")
    pinned = template_version(root)
    if pinned != version:
        problems.append(
            f"{TEMPLATE_CONFIG} pins {TEMPLATE_VERSION_KEY} {pinned!r}, not {version!r}: "
            "scripts/release.py bump keeps them equal"
        )
    if problems:
        raise ReleaseError("cannot release:\n" + "\n".join(f"  - {p}" for p in problems))
    return version


def bump(root: Path, part: str) -> str:
    """Bump the package version (``hatchling version``) and the template's default pin."""
    run([sys.executable, "-m", "hatchling", "version", part], root)
    version = package_version(root)
    set_template_version(root, version)
    return version


def build(root: Path, outdir: Path, isolation: bool = True) -> list[Path]:
    """Build the sdist and wheel into ``outdir`` and check them with ``twine check --strict``."""
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in [*outdir.glob(f"{DIST_NAME}-*.whl"), *outdir.glob(f"{DIST_NAME}-*.tar.gz")]:
        stale.unlink()
    command = [sys.executable, "-m", "build", "--outdir", str(outdir), str(root)]
    if not isolation:
        command.insert(3, "--no-isolation")
    run(command, root)
    files = sorted(outdir.glob(f"{DIST_NAME}-*"))
    run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)], root)
    return files


def publish(root: Path, dist: Path) -> list[Path]:
    """Upload this version's sdist and wheel from ``dist`` with ``twine upload``."""
    missing = [name for name in PUBLISH_ENV if not os.environ.get(name)]
    if missing:
        raise ReleaseError(
            f"missing environment variables: {', '.join(missing)} "
            "(set them from the CI secret store; never on the command line)"
        )
    url = urlsplit(os.environ["TWINE_REPOSITORY_URL"])
    if url.username or url.password:
        raise ReleaseError(
            "TWINE_REPOSITORY_URL contains credentials: put them in TWINE_USERNAME and "
            "TWINE_PASSWORD instead"
        )
    version = package_version(root)
    expected = {f"{DIST_NAME}-{version}.tar.gz", f"{DIST_NAME}-{version}-py3-none-any.whl"}
    found = {path.name for path in dist.glob("*")} if dist.is_dir() else set()
    if found != expected:
        raise ReleaseError(
            f"{dist} must hold exactly {', '.join(sorted(expected))}; found "
            f"{', '.join(sorted(found)) or 'nothing'}: run scripts/release.py build first"
        )
    files = sorted(dist / name for name in expected)
    # No --skip-existing: twine refuses it for private indexes, and a version is immutable.
    run(
        [
            *(sys.executable, "-m", "twine", "upload", "--non-interactive"),
            *("--disable-progress-bar", *map(str, files)),
        ],
        root,
    )
    return files


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="release.py", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: .)")
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("version", help="print the package version")
    bump_parser = steps.add_parser("bump", help="bump the version and the template pin")
    bump_parser.add_argument("part", help="major, minor, patch, or an explicit x.y.z")
    check_parser = steps.add_parser("check", help="check a tag against version and changelog")
    check_parser.add_argument("--tag", required=True, help="the release tag, e.g. v0.2.0")
    build_parser = steps.add_parser("build", help="build and twine check --strict")
    build_parser.add_argument("--outdir", type=Path, default=Path("dist"))
    build_parser.add_argument(
        "--no-isolation", action="store_true", help="build with the installed hatchling"
    )
    publish_parser = steps.add_parser("publish", help="twine upload to $TWINE_REPOSITORY_URL")
    publish_parser.add_argument("--dist", type=Path, default=Path("dist"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    try:
        if args.step == "version":
            print(package_version(root))
        elif args.step == "bump":
            if args.part not in BUMPS and not RELEASE_VERSION.fullmatch(args.part):
                raise ReleaseError(f"bump takes major, minor, patch or x.y.z, not {args.part!r}")
            print(f"version {bump(root, args.part)} (template pin updated)")
        elif args.step == "check":
            print(f"release {check(root, args.tag)}: tag, changelog and template agree")
        elif args.step == "build":
            outdir = args.outdir if args.outdir.is_absolute() else root / args.outdir
            for path in build(root, outdir, isolation=not args.no_isolation):
                print(f"built {path}")
        else:
            dist = args.dist if args.dist.is_absolute() else root / args.dist
            for path in publish(root, dist):
                print(f"uploaded {path.name}")
    except ReleaseError as exc:
        print(f"release.py {args.step}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
