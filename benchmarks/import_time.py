"""Cost of ``import databricks_utils`` (and its config module) next to a bare interpreter.

Runs each command the same number of times, interleaved so that machine noise hits all
alike, and prints medians and ratios against ``python -c pass``::

    python benchmarks/import_time.py --runs 30
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass": "pass",
    "import databricks_utils": "import databricks_utils",
    "import databricks_utils.config": "import databricks_utils.config",
    "import databricks_utils.catalog": "import databricks_utils.catalog",
    "import yaml, pydantic (dependencies)": "import yaml, pydantic",
}


def measure(runs: int) -> dict[str, list[float]]:
    """Wall-clock seconds of each case, ``runs`` times, interleaved."""
    timings: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, code in CASES.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            timings[name].append(time.perf_counter() - start)
    return timings


def main() -> None:
    """Print a table of medians and ratios to the bare interpreter."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    timings = measure(args.runs)
    baseline = statistics.median(timings["python -c pass"])
    print(f"{'case':40} {'median ms':>10} {'ratio':>7}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:40} {median * 1000:10.1f} {median / baseline:6.2f}x")
    pyspark_loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, databricks_utils.config, databricks_utils.session;"
            "print('pyspark' in sys.modules)",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"pyspark imported by databricks_utils.config/session: {pyspark_loaded}")


if __name__ == "__main__":
    main()
