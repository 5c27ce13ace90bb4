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


def test_a_refused_slug_is_reported_with_the_answers_derived_from_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["new", "View", "--no-input", "--output-dir", str(tmp_path), "project_slug=View 360"]
    )

    assert code == 1
    assert capfd.readouterr().err == (
        "Cannot generate the project: 3 invalid answers\n"
        "  - project_slug 'View 360': use 2-40 lower-case letters and digits, starting with a "
        "letter, with single '-' or '_' between them, e.g. project_slug=view-360\n"
        "  - package_name 'View 360': must be a Python identifier of at most 40 lower-case "
        "letters, digits and '_', starting with a letter, e.g. package_name=view_360\n"
        "  - schema 'View 360': must be at most 40 lower-case letters, digits and '_', starting "
        "with a letter, so that every Unity Catalog name built from it is valid, e.g. "
        "schema=view_360\n"
        "databricks-utils new: the template refused the answers (the problems are listed "
        "above); nothing was generated\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_name_without_letters_or_digits_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["new", "!!!", "--no-input", "--output-dir", str(tmp_path)])

    assert code == 1
    assert capsys.readouterr().err == (
        "databricks-utils new: project name '!!!' has no letters or digits to derive "
        "project_slug from: use a name with some, or give the slug, e.g. "
        "project_slug=customer-360\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (
            "package_name=360-view",
            "package_name '360-view': must be a Python identifier of at most 40 lower-case "
            "letters, digits and '_', starting with a letter, e.g. package_name=view",
        ),
        (
            "package_name=json",
            "package_name 'json': would shadow an existing module of the same name; choose a "
            "project-specific name, e.g. package_name=json_pipeline",
        ),
        (
            "catalog=Sales-EU",
            "catalog 'Sales-EU': must be at most 40 lower-case letters, digits and '_', "
            "starting with a letter, so that every Unity Catalog name built from it is "
            "valid, e.g. catalog=sales_eu",
        ),
        (
            "dev_host=dev.example.com",
            "dev_host 'dev.example.com': must be a workspace URL https://<host> without a "
            "path, e.g. dev_host=https://dev.example.com",
        ),
        (
            "private_index_url=http://pypi.corp.example.com/simple/",
            "private_index_url 'http://pypi.corp.example.com/simple/': must be the simple-API "
            "URL of the private index, https://<host>/<path>/simple/ (http only on "
            "localhost), e.g. private_index_url=https://pypi.corp.example.com/simple/",
        ),
        (
            "failure_email=oncall",
            "failure_email 'oncall': must be an e-mail address, e.g. "
            "failure_email=data-alerts@example.com, or empty for none",
        ),
    ],
)
def test_a_refused_answer_comes_with_a_valid_one(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], answer: str, problem: str
) -> None:
    # The answers derived from the refused one are given, so that only it is wrong.
    derived = ["project_slug=view-360", "package_name=view_360", "schema=view_360"]
    options = ["--no-input", "--output-dir", str(tmp_path)]

    code = main(["new", "View 360", *options, *derived, answer])

    assert code == 1
    assert capfd.readouterr().err == (
        f"Cannot generate the project: 1 invalid answer\n  - {problem}\n"
        "databricks-utils new: the template refused the answers (the problems are listed "
        "above); nothing was generated\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_placeholder_index_warns_and_next_names_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["new", "Sales", "--no-input", "--output-dir", str(tmp_path)])

    captured = capsys.readouterr()
    project = tmp_path / "sales"
    assert code == 0
    assert captured.err == (
        "WARNING: " + "!" * 70 + "\n"
        "WARNING: private_index_url is the placeholder https://pypi.example.com/simple/:\n"
        "WARNING: the project cannot install databricks-utils until it names your team's\n"
        "WARNING: private index. Generate it again with\n"
        "WARNING:   private_index_url=https://<your index host>/<path>/simple/\n"
        "WARNING: and set UV_INDEX_PRIVATE_USERNAME and UV_INDEX_PRIVATE_PASSWORD to a user\n"
        "WARNING: and read token of that index before `uv sync`.\n"
        "WARNING: " + "!" * 70 + "\n"
    )
    assert captured.out == (
        f"Created {project}\n"
        "Next: read its README.md, then\n"
        f"  cd {project}\n"
        "  export UV_INDEX_PRIVATE_USERNAME=<user> UV_INDEX_PRIVATE_PASSWORD=<read token>"
        "   # for https://pypi.example.com/simple/\n"
        "  uv sync --extra dev    # databricks-utils comes from the private index only\n"
        "  pytest\n"
    )


def test_a_real_index_gives_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = "https://pypi.corp.example.com/simple/"
    code = main(
        ["new", "Sales", "--no-input", "--output-dir", str(tmp_path), f"private_index_url={index}"]
    )

    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
    assert f"<read token>   # for {index}\n" in captured.out
    readme = (tmp_path / "sales" / "README.md").read_text()
    assert (
        'export PIP_INDEX_URL="https://$UV_INDEX_PRIVATE_USERNAME:$UV_INDEX_PRIVATE_PASSWORD'
        '@pypi.corp.example.com/simple/"'
    ) in readme


def test_help_lists_every_variable_with_its_choices_and_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["new", "--help"])

    out = capsys.readouterr().out
    epilog = out[out.index("template variables (KEY=VALUE):\n") :]
    lines = epilog.splitlines()
    for key, default in template_variables().items():
        assert [line for line in lines if line.startswith(f"  {key} ")], key
        if isinstance(default, list):
            for choice in default:
                assert any(line.split()[:1] == [choice] for line in lines), (key, choice)
    runtime = lines.index(next(line for line in lines if line.startswith("  runtime ")))
    assert [line.strip() for line in lines[runtime + 1 : runtime + 5]] == [
        "17.3  17.3 LTS: Spark 4.0, Delta 4.0 (serverless environment 4) (default)",
        "18    18 LTS: Spark 4.1, Delta 4.1 (serverless environment 5)",
        "16.4  16.4 LTS: Spark 3.5, Delta 3.3 (serverless environment 3)",
        "15.4  15.4 LTS: Spark 3.5, Delta 3.2 (serverless environment 2)",
    ]
    assert "  catalog                   Unity Catalog base name" in epilog
    assert "default: analytics\n" in epilog
    assert "default: derived from project_name\n" in epilog
    assert f"default: {databricks_utils.__version__} (this databricks-utils)\n" in epilog
