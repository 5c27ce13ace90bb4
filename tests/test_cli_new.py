"""``databricks-utils new`` and `create_project`: the template as users reach it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import databricks_utils
from databricks_utils.cli import main
from databricks_utils.template import TemplateError, create_project, template_variables
from tests.conftest import run_python
from tests.template_support import tomllib

pytestmark = pytest.mark.usefixtures("cookiecutter_config")


def test_new_generates_the_project_with_answers_after_the_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--no-input", "--output-dir", str(tmp_path)]

    code = main(["new", "Sales Orders", *options, "compute=job_cluster", "ci=none"])

    project = tmp_path / "sales-orders"
    assert code == 0
    assert capsys.readouterr().out.splitlines()[0] == f"Created {project}"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["dependencies"] == [
        f"databricks-utils=={databricks_utils.__version__}"
    ]
    job = yaml.safe_load((project / "resources" / "sales-orders.job.yml").read_text())
    assert "job_clusters" in job["resources"]["jobs"]["sales_orders"]
    assert not (project / ".github").exists()


def test_new_takes_answers_before_the_options_and_a_pinned_version(tmp_path: Path) -> None:
    options = ["--no-input", "--output-dir", str(tmp_path)]

    code = main(["new", "x1", "databricks_utils_version=0.0.9", *options])

    pyproject = tomllib.loads((tmp_path / "x1" / "pyproject.toml").read_text())
    assert code == 0
    assert pyproject["project"]["dependencies"] == ["databricks-utils==0.0.9"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            ["compute=gpu"],
            "databricks-utils new: compute 'gpu' is not a choice; choose one of: serverless, "
            "job_cluster\n",
        ),
        (
            ["colour=blue"],
            "databricks-utils new: unknown template variable 'colour'; valid variables: "
            + ", ".join(template_variables())
            + "\n",
        ),
        (
            ["description={{ cycler.__init__.__globals__ }}"],
            "databricks-utils new: description: template syntax ('{{', '{%', '{#') is not "
            "allowed\n",
        ),
    ],
)
def test_new_refuses_bad_answers_before_generating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: list[str], message: str
) -> None:
    code = main(["new", "Sales", "--no-input", "--output-dir", str(tmp_path), *answers])

    assert code == 1
    assert capsys.readouterr().err == message
    assert list(tmp_path.iterdir()) == []


def test_new_reports_answers_the_template_refuses_and_leaves_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(["new", "Sales", "--no-input", "--output-dir", str(tmp_path), "prod_host=http://x"])

    err = capfd.readouterr().err
    assert code == 1
    assert err == (
        "Cannot generate the project: 1 invalid answer\n"
        "  - prod_host 'http://x': must be a workspace URL https://<host> without a path, "
        "e.g. prod_host=https://x\n"
        "databricks-utils new: the template refused the answers (the problems are listed "
        "above); nothing was generated\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_new_does_not_overwrite_an_existing_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sales").mkdir()
    (tmp_path / "sales" / "keep.txt").write_text("mine")

    code = main(["new", "Sales", "--no-input", "--output-dir", str(tmp_path)])

    assert code == 1
    assert capsys.readouterr().err == (
        f'databricks-utils new: "{tmp_path / "sales"}" directory already exists: choose '
        "another output directory or project name, or remove it\n"
    )
    assert [p.name for p in (tmp_path / "sales").iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "Sales", "compute"], "answers are KEY=VALUE, got 'compute'"),
        (["new", "Sales", "--outptu-dir", "x"], "unrecognized option '--outptu-dir'"),
        (["config", "show", "--env", "dev", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_exit_with_code_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_new_without_cookiecutter_says_which_extra_to_install(tmp_path: Path) -> None:
    result = run_python(
        f"""
        import sys
        sys.modules["cookiecutter"] = None  # as if the [template] extra were not installed
        from databricks_utils.cli import main
        sys.exit(main(["new", "Sales", "--no-input", "--output-dir", {str(tmp_path)!r}]))
        """
    )

    assert result.returncode == 1
    assert result.stderr == (
        "databricks-utils new: generating a project needs cookiecutter: "
        "pip install 'databricks-utils[template]'\n"
    )


def test_create_project_raises_template_error_for_an_unknown_variable(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"^unknown template variable 'colour'; valid"):
        create_project("Sales", output_dir=tmp_path, answers={"colour": "blue"})
