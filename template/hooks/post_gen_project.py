"""Remove the files of the options that were not chosen, and record the answers.

Runs inside the new project. ``.databricks-utils.json`` keeps the answers and the template
version, so that ``databricks-utils update`` can render the same project again.
"""

import json
import shutil
from pathlib import Path

ANSWERS = json.loads(
    r"""
{{ cookiecutter | tojson }}
"""
)
ANSWERS_FILE = ".databricks-utils.json"

# Each optional path, and whether the answers keep it.
OPTIONAL_PATHS = {
    "dags": ANSWERS["orchestrator"] == "airflow",
    ".github": ANSWERS["ci"] == "github_actions",
}


def template_version():
    """The template's own version: its default pin (a release sets it to its version)."""
    config = Path(ANSWERS["_repo_dir"]) / "cookiecutter.json"
    return json.loads(config.read_text(encoding="utf-8"))["databricks_utils_version"]


def record_answers():
    answers = {key: value for key, value in ANSWERS.items() if not key.startswith("_")}
    record = {
        "template": "databricks-utils",
        "template_version": template_version(),
        "answers": answers,
    }
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    Path(ANSWERS_FILE).write_text(text, encoding="utf-8")


def main():
    for relative, keep in OPTIONAL_PATHS.items():
        path = Path(relative)
        if not keep and path.exists():
            shutil.rmtree(path)
    record_answers()


if __name__ == "__main__":
    main()
