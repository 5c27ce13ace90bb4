"""Shared fixtures: one local Spark session for the whole run, and config directories."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent
# A fixture project, imported by the tests that need it; one module fails to import on purpose.
collect_ignore = ["mc_project"]
SPARK_CONFIG_DIR = TESTS_DIR / "spark_config"

WriteConfig = Callable[..., Path]


#: The kind of Spark session the suite runs on: ``classic`` (a local JVM in this process) or
#: ``connect`` (a local Spark Connect server with Delta in a process of its own, as on
#: Databricks serverless). Set ``DATABRICKS_UTILS_TEST_SPARK=connect`` for the Connect leg.
SPARK_LEG = os.environ.get("DATABRICKS_UTILS_TEST_SPARK", "classic")
if SPARK_LEG not in ("classic", "connect"):
    raise pytest.UsageError(f"DATABRICKS_UTILS_TEST_SPARK={SPARK_LEG!r}: use classic or connect")


#: What a Spark Connect session leaves in this process's environment; a subprocess that asks
#: for a local session must not inherit it.
CONNECT_CLIENT_ENV = ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED", "SPARK_LOCAL_REMOTE")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``classic`` need the JVM from Python and are skipped on the Connect leg;
    tests marked ``connect_leg`` run only there."""
    for item in items:
        if SPARK_LEG == "connect" and item.get_closest_marker("classic"):
            item.add_marker(pytest.mark.skip(reason="needs a classic session (JVM from Python)"))
        if SPARK_LEG == "classic" and item.get_closest_marker("connect_leg"):
            item.add_marker(pytest.mark.skip(reason="runs on the Spark Connect leg"))


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The suite's single Spark session, built by the library's own factory: local classic
    Spark, or on the Connect leg a Spark Connect session reached through ``SPARK_REMOTE``."""
    from databricks_utils.session import SparkSessionFactory

    os.environ["DATABRICKS_UTILS_TEST_WAREHOUSE"] = str(tmp_path_factory.mktemp("warehouse"))
    if SPARK_LEG == "classic":
        session = SparkSessionFactory.create("test", SPARK_CONFIG_DIR)
        yield session
        session.stop()
        return
    with connect_server() as url:
        os.environ["SPARK_REMOTE"] = url
        try:
            session = SparkSessionFactory.create("test", SPARK_CONFIG_DIR)
            yield session
            session.stop()
        finally:
            del os.environ["SPARK_REMOTE"]


@contextlib.contextmanager
def connect_server() -> Iterator[str]:
    """A local Spark Connect server with Delta (``tests/connect_server.py``); its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.connect_server", str(port), str(SPARK_CONFIG_DIR)],
        cwd=TESTS_DIR.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the Spark Connect server did not start (exit {server.wait()})")
        yield f"sc://127.0.0.1:{port}"
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


def free_port() -> int:
    """A loopback port nothing listens on (for a server to start on, or to be refused by)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def installed_delta_coordinate() -> str:
    """The Delta jar of this leg's pyspark and delta-spark."""
    from databricks_utils.session.delta_runtime import delta_coordinate

    versions = (importlib.metadata.version(d) for d in ("pyspark", "delta-spark"))
    return delta_coordinate(*versions)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    return directory


@pytest.fixture
def write_config(config_dir: Path) -> WriteConfig:
    """Write YAML files into a fresh config directory: ``write_config(defaults=..., dev=...)``."""

    def write(**files: str) -> Path:
        for name, text in files.items():
            (config_dir / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return config_dir

    return write


MINIMAL_DEFAULTS = """\
spark:
  app_name: customer_360
  config:
    spark.sql.shuffle.partitions: 200
    spark.sql.adaptive.enabled: true
catalog:
  name: dev_analytics
  schema: customer_360
"""


def run_python(
    code: str,
    env: dict[str, str] | None = None,
    timeout: int = 300,
    without: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (for checks that need a process without Spark),
    with ``env`` added to this process's environment and the variables ``without`` removed."""
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in without}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cookiecutter user config of its own: replays and caches stay out of the home dir."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(
        f"cookiecutters_dir: {home / 'templates'}\nreplay_dir: {home / 'replay'}\n",
        encoding="utf-8",
    )
    previous = os.environ.get("COOKIECUTTER_CONFIG")
    os.environ["COOKIECUTTER_CONFIG"] = str(config)
    yield config
    if previous is None:
        del os.environ["COOKIECUTTER_CONFIG"]
    else:
        os.environ["COOKIECUTTER_CONFIG"] = previous


@pytest.fixture(scope="session")
def baked(
    tmp_path_factory: pytest.TempPathFactory, cookiecutter_config: Path
) -> Callable[[str], Path]:
    """``baked(name)``: the project generated for one of `template_support.COMBINATIONS`."""
    from tests.template_support import COMBINATIONS, bake

    projects: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in projects:
            projects[name] = bake(tmp_path_factory.mktemp(name), COMBINATIONS[name])
        return projects[name]

    return get


WritePackage = Callable[..., str]


@pytest.fixture
def write_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WritePackage]:
    """``write_package({"a.py": text})``: write (or rewrite) a package under tmp_path on
    sys.path; returns its name. A rewrite is imported afresh."""
    import importlib
    import uuid

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)

    def write(files: dict[str, str], name: str | None = None) -> str:
        name = name or f"rules_{uuid.uuid4().hex[:8]}"
        for module in [m for m in sys.modules if m.split(".")[0] == name]:
            del sys.modules[module]  # a rewrite is imported afresh
        root = tmp_path / name
        root.mkdir(exist_ok=True)
        (root / "__init__.py").write_text("")
        for file, text in files.items():
            (root / file).write_text(textwrap.dedent(text))
        importlib.invalidate_caches()
        return name

    yield write
    for module in [m for m in sys.modules if m.startswith("rules_")]:
        del sys.modules[module]
