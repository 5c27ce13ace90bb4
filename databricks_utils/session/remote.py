"""A Spark Connect session from a URL: ``sc://host:port`` servers, or ``local[N]``, a Spark
Connect server with Delta Lake that pyspark starts inside this process.

Spark Connect is what Databricks serverless compute and Databricks Connect run, so a local
Connect session runs the code the way serverless does: no JVM on the Python side.
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from databricks_utils.config.models import SparkConfig
from databricks_utils.redaction import redact_text
from databricks_utils.session import preflight
from databricks_utils.session.errors import SparkSessionError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

REMOTE_ENV_VAR = "SPARK_REMOTE"
DEFAULT_PORT = 15002  # Spark Connect's
CONNECT_TIMEOUT_SECONDS = 10


def remote_url(config: SparkConfig, environ: Mapping[str, str] = os.environ) -> str | None:
    """The Spark Connect URL asked for: ``spark.remote`` in config, else ``SPARK_REMOTE``.

    Example:
        >>> remote_url(SparkConfig(remote="sc://localhost:15002"), {})
        'sc://localhost:15002'
        >>> remote_url(SparkConfig(), {"SPARK_REMOTE": "local[2]"})
        'local[2]'
    """
    return config.remote or environ.get(REMOTE_ENV_VAR) or None


def create_remote_session(url: str, settings: Mapping[str, str]) -> SparkSession:
    """A Spark Connect session for ``url``, checked to answer.

    ``settings`` are given to the builder: for ``local[N]`` they configure the server it
    starts (Delta Lake's extension and jars among them); a remote server applies those it
    accepts at runtime.

    Raises:
        SparkSessionError: when pyspark lacks its Connect dependencies or the server does
            not answer; the URL's token is never shown.
    """
    if preflight.installed_version("pyspark") is None:
        raise SparkSessionError(
            f"spark.remote / {REMOTE_ENV_VAR} asks for Spark Connect, but pyspark is not "
            "installed: pip install 'pyspark[connect]' (or databricks-connect)"
        )
    shown = redact_text(url)
    if url.startswith("sc://"):
        _check_reachable(url, shown)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.remote(url)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():
            # For local[N], pyspark sets every option again on the server it just started
            # with them, and warns about each static one.
            warnings.filterwarnings("ignore", "Failed to set ", UserWarning)
            session = builder.getOrCreate()
    except ImportError as error:
        raise SparkSessionError(
            f"Spark Connect ({shown}) needs pyspark's connect dependencies: pip install "
            f"'pyspark[connect]' ({redact_text(str(error))})"
        ) from None
    try:
        session.version  # noqa: B018  # the first call that reaches the server
    except Exception as error:
        session.stop()
        raise SparkSessionError(
            f"the Spark Connect server at {shown} does not answer: "
            f"{redact_text(str(error)).splitlines()[0]}. Start it, or fix spark.remote / "
            f"{REMOTE_ENV_VAR}."
        ) from None
    return session


def _check_reachable(url: str, shown: str) -> None:
    """Fail fast on a server that refuses connections: the Connect client would otherwise
    retry for minutes before giving up."""
    address = urlsplit(url.split(";", 1)[0].replace("sc://", "http://", 1))
    host, port = address.hostname or "localhost", address.port or DEFAULT_PORT
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except OSError as error:
        raise SparkSessionError(
            f"the Spark Connect server at {shown} does not answer: cannot connect to "
            f"{host}:{port} ({error.strerror or error}). Start it, or fix spark.remote / "
            f"{REMOTE_ENV_VAR}."
        ) from None
