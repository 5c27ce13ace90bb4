"""A local Spark Connect server with Delta Lake, for the suite's Spark Connect leg.

Run as ``python -m tests.connect_server PORT CONFIG_DIR``: it starts a classic local session
from the suite's config with Spark's Connect plugin listening on PORT, prints ``ready`` and
serves until its standard input closes (the test process ending closes it).
"""

from __future__ import annotations

import sys

from databricks_utils.config import ConfigLoader
from databricks_utils.session.local import DEFAULT_MASTER, startup_settings

CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"


def main(port: str, config_dir: str) -> None:
    from pyspark.sql import SparkSession

    config = ConfigLoader.load("test", config_dir).spark
    builder = SparkSession.builder.master(config.master or DEFAULT_MASTER).appName(
        f"{config.app_name}-connect-server"
    )
    settings = {
        **startup_settings(config),
        "spark.plugins": CONNECT_PLUGIN,
        "spark.connect.grpc.binding.port": port,
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    print("ready", flush=True)
    sys.stdin.read()
    spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:3])
