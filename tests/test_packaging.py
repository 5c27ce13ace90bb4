"""The package as users get it: importable without side effects, buildable, publishable."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import databricks_utils
from tests.conftest import run_python

ROOT = Path(__file__).resolve().parent.parent


def test_version_has_one_source() -> None:
    about: dict[str, str] = {}
    exec((ROOT / "databricks_utils" / "__about__.py").read_text(encoding="utf-8"), about)

    assert databricks_utils.__version__ == about["__version__"] == "0.1.0"


def test_import_has_no_side_effects_and_does_not_import_pyspark_or_pycarlo(tmp_path: Path) -> None:
    result = run_python(
        """
        import os, sys, logging, warnings
        before = set(os.listdir("."))
        handlers = list(logging.getLogger().handlers)
        warnings.simplefilter("error")
        import databricks_utils, databricks_utils.config, databricks_utils.catalog
        import databricks_utils.session, databricks_utils.cli, databricks_utils.observability
        import databricks_utils.logging, databricks_utils.delta, databricks_utils.template
        from databricks_utils.config import SparkSessionFactory
        roots = ("pyspark", "py4j", "delta")
        spark_modules = sorted(m for m in sys.modules if m.split(".")[0] in roots)
        print("spark modules:", spark_modules)
        jinja_roots = ("cookiecutter", "jinja2")
        print("template modules:", sorted(m for m in sys.modules if m.split(".")[0] in jinja_roots))
        mc_roots = ("pycarlo", "sgqlc", "requests", "graphql")
        print("monte carlo modules:", sorted(m for m in sys.modules if m.split(".")[0] in mc_roots))
        print("new files:", sorted(set(os.listdir(".")) - before))
        print("handlers changed:", logging.getLogger().handlers != handlers)
        """,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "spark modules: []",
        "template modules: []",
        "monte carlo modules: []",
        "new files: []",
        "handlers changed: False",
    ]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def test_build_produces_sdist_and_wheel_that_pass_twine_check_strict(dist: Path) -> None:
    version = databricks_utils.__version__
    names = sorted(p.name for p in dist.iterdir())
    assert names == [
        f"databricks_utils-{version}-py3-none-any.whl",
        f"databricks_utils-{version}.tar.gz",
    ]

    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_has_the_package_and_typing_marker_but_no_tests(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    files = zipfile.ZipFile(wheel).namelist()

    assert "databricks_utils/py.typed" in files
    assert "databricks_utils/config/loader.py" in files
    library = [f for f in files if not f.startswith("databricks_utils/_template/")]
    assert not [f for f in library if f.startswith("tests/") or "/tests/" in f or "conftest" in f]
    metadata = (
        zipfile.ZipFile(wheel)
        .read(f"databricks_utils-{databricks_utils.__version__}.dist-info/METADATA")
        .decode()
    )
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    hard = [line for line in requires if "extra ==" not in line]
    assert sorted(hard) == ["Requires-Dist: pydantic<3,>=2.6", "Requires-Dist: pyyaml>=6.0"]
    assert any("pyspark" in line and "extra == 'spark'" in line for line in requires)
    assert any("pycarlo" in line and "extra == 'montecarlo'" in line for line in requires)
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(f"databricks_utils-{databricks_utils.__version__}.dist-info/entry_points.txt")
        .decode()
    )
    assert "databricks-utils = databricks_utils.cli:main" in entry_points


def test_sdist_carries_readme_changelog_and_tests(dist: Path) -> None:
    [sdist] = dist.glob("*.tar.gz")
    prefix = f"databricks_utils-{databricks_utils.__version__}/"
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())

    for expected in (
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        "tests/conftest.py",
        "databricks_utils/py.typed",
    ):
        assert prefix + expected in names


def test_wheel_ships_the_project_template(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    files = set(zipfile.ZipFile(wheel).namelist())
    prefix = "databricks_utils/_template/"
    project = prefix + "{{cookiecutter.__project_dir}}/"

    template_files = {
        path.relative_to(ROOT / "template").as_posix()
        for path in (ROOT / "template").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert {name.removeprefix(prefix) for name in files if name.startswith(prefix)} == (
        template_files
    )
    for expected in (
        "cookiecutter.json",
        "hooks/pre_gen_project.py",
        "{{cookiecutter.__project_dir}}/databricks.yml",
        "{{cookiecutter.__project_dir}}/.github/workflows/ci.yml",
        "{{cookiecutter.__project_dir}}/.gitignore",
    ):
        assert prefix + expected in files
    assert project + "tests/conftest.py" in files
    metadata = (
        zipfile.ZipFile(wheel)
        .read(f"databricks_utils-{databricks_utils.__version__}.dist-info/METADATA")
        .decode()
    )
    assert "Requires-Dist: cookiecutter<3,>=2.6; extra == 'template'" in metadata


def test_the_wheels_template_generates_a_project(
    dist: Path, tmp_path: Path, cookiecutter_config: Path
) -> None:
    [wheel] = dist.glob("*.whl")
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)

    result = run_python(
        f"""
        import sys
        sys.path.insert(0, {str(installed)!r})
        from databricks_utils.template import template_dir, create_project
        print(template_dir())
        print(create_project("From Wheel", output_dir={str(tmp_path / "out")!r}))
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        str(installed / "databricks_utils" / "_template"),
        str(tmp_path / "out" / "from-wheel"),
    ]
