"""End to end: release the library to a private index, then build a project on it.

1. ``scripts/release.py build`` and ``publish`` put the library on a loopback ``pypiserver``
   that asks for credentials on every request and never falls back to public PyPI.
2. A project is generated from the template inside the built wheel, pinned to that version.
3. The project installs into a fresh virtualenv with that server as its only index, as
   the generated README says for pip. The server stands in for a private index that
   proxies PyPI: it also serves the project's third-party dependencies, built into wheels
   by ``pip wheel`` from public PyPI (and pip's cache) beforehand. ``databricks-utils``,
   whose name is taken on public PyPI, is never looked up there.
4. The project's own ``pytest`` and its local pipeline command pass.

uv, the README's other route, resolves the project's runtime dependencies too: with the
``explicit`` index of its pyproject.toml it takes ``databricks-utils`` from the private
index and everything else from PyPI, and fails rather than fall back to PyPI when the
private index refuses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import databricks_utils
from tests.private_index import PASSWORD, USER, PrivateIndex, get, serve_private_index
from tests.template_support import tomllib

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
VERSION = databricks_utils.__version__
PROJECT = "E2E Orders"
SLUG, PACKAGE = "e2e-orders", "e2e_orders"


def run(
    command: Sequence[object],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: int = 600,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without pip/uv index settings, Python paths or workspace credentials."""
    dropped = ("PIP_", "UV_", "PYTHON", "VIRTUAL_ENV", "DATABRICKS_", "SPARK_", "TWINE_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


@pytest.fixture(scope="module")
def private_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateIndex]:
    """pypiserver on loopback: auth for upload, download and list; no fallback to PyPI."""
    with serve_private_index(tmp_path_factory.mktemp("private-index")) as index:
        yield index


RELEASE = [sys.executable, ROOT / "scripts" / "release.py"]


def publish(
    index: PrivateIndex, dist: Path, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    """``release.py publish``, credentials in the environment as in the release workflow."""
    return run(
        [*RELEASE, "publish", "--dist", dist],
        cwd=ROOT,
        env=clean_env(
            TWINE_REPOSITORY_URL=index.upload_url, TWINE_USERNAME=USER, TWINE_PASSWORD=password
        ),
    )


@pytest.fixture(scope="module")
def released(private_index: PrivateIndex, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The library built and published with scripts/release.py, as CI does; its dist/."""
    dist = tmp_path_factory.mktemp("dist")

    built = run([*RELEASE, "build", "--outdir", dist, "--no-isolation"], cwd=ROOT)
    assert built.returncode == 0, built.stderr
    published = publish(private_index, dist)
    assert published.returncode == 0, published.stdout + published.stderr
    assert published.stdout.splitlines() == [
        f"uploaded databricks_utils-{VERSION}-py3-none-any.whl",
        f"uploaded databricks_utils-{VERSION}.tar.gz",
    ]
    return dist


def test_the_index_serves_the_release_to_authenticated_clients_only(
    private_index: PrivateIndex, released: Path
) -> None:
    project_page = f"{private_index.simple_url}databricks-utils/"

    assert get(project_page, authenticated=False) == 401
    assert get(project_page, authenticated=True) == 200
    assert sorted(path.name for path in private_index.packages.iterdir()) == [
        f"databricks_utils-{VERSION}-py3-none-any.whl",
        f"databricks_utils-{VERSION}.tar.gz",
    ]


def test_a_published_version_cannot_be_uploaded_again(
    private_index: PrivateIndex, released: Path
) -> None:
    again = publish(private_index, released)

    assert again.returncode == 1
    assert "release.py publish: python -m twine upload --non-interactive" in again.stderr
    assert "HTTPError: 400 Bad Request" in again.stderr
    assert PASSWORD not in again.stdout + again.stderr


def test_a_wrong_password_is_refused_without_being_echoed(
    private_index: PrivateIndex, released: Path
) -> None:
    refused = publish(private_index, released, password="not-the-password")

    assert refused.returncode == 1
    assert "HTTPError: 403 Forbidden" in refused.stderr
    assert "not-the-password" not in refused.stdout + refused.stderr


def generate(
    index: PrivateIndex,
    released: Path,
    output: Path,
    cookiecutter_config: Path,
    answers: Sequence[str] = (),
) -> Path:
    """The project generated by the `databricks-utils new` of the built wheel."""
    [wheel] = released.glob("*.whl")
    unpacked = output / "wheel"
    zipfile.ZipFile(wheel).extractall(unpacked)
    env = clean_env(PYTHONPATH=str(unpacked), COOKIECUTTER_CONFIG=str(cookiecutter_config))

    # Run outside the checkout, whose databricks_utils would come first on sys.path.
    which = run(
        [sys.executable, "-c", "import databricks_utils.template as t; print(t.template_dir())"],
        cwd=output,
        env=env,
    )
    answer = f"private_index_url={index.simple_url}"
    result = run(
        [
            *(sys.executable, "-m", "databricks_utils.cli", "new", PROJECT, "--no-input", answer),
            *answers,
            *("--output-dir", output),
        ],
        cwd=output,
        env=env,
    )

    assert which.stdout.strip() == str(unpacked / "databricks_utils" / "_template")
    assert result.returncode == 0, result.stderr
    project = output / SLUG
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["dependencies"] == [f"databricks-utils=={VERSION}"]
    return project


@pytest.fixture(scope="module")
def generated(
    private_index: PrivateIndex,
    released: Path,
    tmp_path_factory: pytest.TempPathFactory,
    cookiecutter_config: Path,
) -> Path:
    """The project with the default answers: serverless environment 4 (DBR 17.3, Spark 4.0)."""
    output = tmp_path_factory.mktemp("projects")
    return generate(private_index, released, output, cookiecutter_config)


def uv_compile(project: Path, password: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """Resolve the project's dependencies with uv, as its README says (no dev extra)."""
    return run(
        [
            *(sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml"),
            *("--emit-index-annotation", "--python", sys.executable, "--cache-dir", cache),
        ],
        cwd=project,
        env=clean_env(UV_INDEX_PRIVATE_USERNAME=USER, UV_INDEX_PRIVATE_PASSWORD=password),
    )


def test_uv_takes_databricks_utils_from_the_private_index_and_the_rest_from_pypi(
    private_index: PrivateIndex, generated: Path, tmp_path: Path
) -> None:
    result = uv_compile(generated, PASSWORD, tmp_path / "uv-cache")

    assert result.returncode == 0, stream(result)
    sources = dict(
        re.findall(
            r"^([A-Za-z0-9_.-]+)==\S+\n(?:    # .*\n)*?    # from (\S+)$", result.stdout, re.M
        )
    )
    assert sources.pop("databricks-utils") == private_index.simple_url
    assert {"pydantic", "pyyaml"} <= set(sources)
    assert set(sources.values()) == {"https://pypi.org/simple"}
    assert f"databricks-utils=={VERSION}\n" in result.stdout


def test_uv_does_not_fall_back_to_pypi_when_the_private_index_refuses(
    private_index: PrivateIndex, generated: Path, tmp_path: Path
) -> None:
    result = uv_compile(generated, "wrong-password", tmp_path / "uv-cache")

    assert result.returncode != 0
    assert "databricks-utils was not found in the package registry" in result.stderr
    assert f"An index ({private_index.simple_url}) returned a 403 Forbidden" in result.stderr


def seed_third_party_wheels(project: Path, released: Path, index: PrivateIndex) -> list[str]:
    """Build wheels of everything the project needs except databricks-utils into the index."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    [wheel] = released.glob("*.whl")
    metadata = zipfile.ZipFile(wheel).read(f"databricks_utils-{VERSION}.dist-info/METADATA")
    library_requirements = [
        line.removeprefix("Requires-Dist: ")
        for line in metadata.decode().splitlines()
        if line.startswith("Requires-Dist: ") and "extra ==" not in line
    ]
    requirements = [
        *pyproject["build-system"]["requires"],
        "editables",  # hatchling needs it to build an editable install with force-include
        *pyproject["project"]["optional-dependencies"]["dev"],
        *library_requirements,
    ]
    assert all(Requirement(r).name != "databricks-utils" for r in requirements)
    wheels = index.packages.parent / "wheels"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", wheels, *requirements],
        env={**clean_env(), "PIP_CONFIG_FILE": os.devnull},
        timeout=900,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    names = sorted(path.name for path in wheels.glob("*.whl"))
    assert not [name for name in names if name.startswith("databricks_utils")]
    for path in wheels.glob("*.whl"):
        shutil.move(str(path), index.packages / path.name)
    return names


def stream(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def install_from_the_private_index(
    project: Path, released: Path, index: PrivateIndex, venv: Path
) -> tuple[Path, dict[str, str]]:
    """A fresh virtualenv with ``project[dev]`` installed from the private index only; its
    python, and the version of each distribution installed."""
    seeded = seed_third_party_wheels(project, released, index)
    assert any(name.startswith("pyspark-") for name in seeded)
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    python = venv / "bin" / "python"
    report = venv.parent / "install-report.json"

    index_only = ["--index-url", index.simple_url_with_credentials]
    installed = run(
        [
            *(python, "-m", "pip", "install", "--no-cache-dir", "--report", report),
            *index_only,
            *("-e", f"{project}[dev]"),
        ],
        env=clean_env(),
        timeout=900,
    )

    assert installed.returncode == 0, stream(installed)
    downloads = {
        item["metadata"]["name"]: item["download_info"]["url"]
        for item in json.loads(report.read_text())["install"]
    }
    assert downloads["databricks-utils"] == (
        f"{index.simple_url.removesuffix('simple/')}packages/"
        f"databricks_utils-{VERSION}-py3-none-any.whl"
    )
    foreign = {
        name: url
        for name, url in downloads.items()
        if not url.startswith((f"http://127.0.0.1:{index.port}/", "file://"))
    }
    assert foreign == {}
    assert "databricks_utils" in index.log.read_text()
    versions = {
        item["metadata"]["name"]: item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    return python, versions


def assert_own_tests_pass(python: Path, project: Path) -> None:
    tests = run([python, "-m", "pytest", "-p", "no:cacheprovider"], cwd=project, env=clean_env())

    assert tests.returncode == 0, stream(tests)
    summary = tests.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"=+ \d+ passed, 1 skipped in [\d.]+s(?: \([\d:]+\))? =+", summary), summary
    assert "SKIPPED [1] tests/integration/test_workspace.py" in tests.stdout
    assert "no workspace credentials" in tests.stdout


def test_generated_project_installs_from_the_private_index_and_passes_its_own_checks(
    private_index: PrivateIndex,
    released: Path,
    generated: Path,
    tmp_path: Path,
) -> None:
    python, versions = install_from_the_private_index(
        generated, released, private_index, tmp_path / "venv"
    )

    # The default runtime, DBR 17.3 LTS (serverless environment 4): Spark 4.0, Delta 4.0.
    assert versions["pyspark"].startswith("4.0.")
    assert versions["delta-spark"].startswith("4.0.")
    assert_own_tests_pass(python, generated)

    command = [python, "-m", f"{PACKAGE}.pipeline", "--env", "local"]
    first = run(command, cwd=generated, env=clean_env())
    second = run([*command, "--no-show"], cwd=generated, env=clean_env())

    assert first.returncode == 0, stream(first)
    assert second.returncode == 0, stream(second)
    schema = f"spark_catalog.{PACKAGE}"
    assert _summary(first.stdout) == [
        f"{SLUG} on environment 'local':",
        "layer table rows change",
        f"bronze {schema}_bronze.customers_raw 6 6 inserted, 0 updated, 0 deleted",
        f"silver {schema}_silver.customers 5 5 inserted, 0 updated, 0 deleted",
        f"gold {schema}_gold.customers_by_country 2 table rewritten",
    ]
    shown = [" ".join(line.split()) for line in first.stdout.splitlines()]
    gold_table = shown.index(f"{schema}_gold.customers_by_country")
    assert shown[gold_table + 1 : gold_table + 7] == [
        "+-------+---------+",
        "|country|customers|",
        "+-------+---------+",
        "|GB |1 |",
        "|US |3 |",
        "+-------+---------+",
    ]
    assert _summary(second.stdout)[2:] == [
        f"bronze {schema}_bronze.customers_raw 6 0 inserted, 0 updated, 0 deleted",
        f"silver {schema}_silver.customers 5 0 inserted, 0 updated, 0 deleted",
        f"gold {schema}_gold.customers_by_country 2 table rewritten",
    ]


def test_a_project_on_dbr_18_runs_its_tests_on_spark_4_1_and_delta_4_1(
    private_index: PrivateIndex, released: Path, cookiecutter_config: Path, tmp_path: Path
) -> None:
    answers = ["runtime=18", "compute=job_cluster", "ci=none"]
    project = generate(private_index, released, tmp_path, cookiecutter_config, answers)
    job = yaml.safe_load((project / f"resources/{SLUG}.job.yml").read_text())
    [cluster] = job["resources"]["jobs"][PACKAGE]["job_clusters"]

    python, versions = install_from_the_private_index(
        project, released, private_index, tmp_path / "venv"
    )

    assert cluster["new_cluster"]["spark_version"] == "18.0.x-scala2.13"
    assert (versions["pyspark"], versions["delta-spark"]) == ("4.1.1", "4.1.0")
    assert_own_tests_pass(python, project)


def _summary(stdout: str) -> list[str]:
    """The run's table of layers, spaces collapsed."""
    lines = [" ".join(line.split()) for line in stdout.splitlines()]
    start = lines.index(f"{SLUG} on environment 'local':")
    return lines[start : start + 5]
