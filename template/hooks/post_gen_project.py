"""Remove the files of the options that were not chosen (run inside the new project)."""

import json
import shutil
from pathlib import Path

ANSWERS = json.loads(
    r"""
{{ cookiecutter | tojson }}
"""
)

# Each optional path, and whether the answers keep it.
OPTIONAL_PATHS = {
    "dags": ANSWERS["orchestrator"] == "airflow",
    ".github": ANSWERS["ci"] == "github_actions",
}


def main():
    for relative, keep in OPTIONAL_PATHS.items():
        path = Path(relative)
        if not keep and path.exists():
            shutil.rmtree(path)


if __name__ == "__main__":
    main()
