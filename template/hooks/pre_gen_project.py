"""Check the answers before any file is generated.

On exit status 1 cookiecutter stops and deletes the project directory it created, so an
invalid answer leaves nothing behind. The answers arrive as JSON inside a raw string and
are parsed as data: whatever a project name contains, it is never executed.
"""

import json
import keyword
import re
import sys
import unicodedata
import uuid
from urllib.parse import urlsplit

ANSWERS = json.loads(
    r"""
{{ cookiecutter | tojson }}
"""
)

CHOICES = {
    "compute": ("serverless", "job_cluster"),
    "orchestrator": ("databricks_workflows", "airflow"),
    "ci": ("github_actions", "none"),
    "runtime": ("17.3", "18", "16.4", "15.4"),
    "cloud": ("aws", "azure", "gcp"),
}
# Packages a generated project imports or that a package name would shadow.
RESERVED_PACKAGES = {
    "airflow",
    "chispa",
    "conftest",
    "databricks",
    "databricks_utils",
    "delta",
    "py4j",
    "pyspark",
    "pytest",
    "src",
    "test",
    "tests",
}
SLUG = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
UC_PART = re.compile(r"[a-z][a-z0-9_]*")
VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,99}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Names end up in code, paths and Unity Catalog names (at most 255 characters); up to
# 40 characters keeps every generated line within the generated ruff line length.
MAX_NAME = 40


def text_problem(value, max_length):
    if not value.strip():
        return "must not be empty"
    if len(value) > max_length:
        return f"must be at most {max_length} characters, got {len(value)}"
    if any(unicodedata.category(char).startswith("C") for char in value):
        return "must be a single line without control characters"
    return None


def name_like(value, separator, fallback):
    """``value`` made into a valid name (lower-case words joined by ``separator``), if it can
    be; else ``fallback``."""
    name = separator.join(re.findall(r"[a-z0-9]+", value.lower()))
    name = name.lstrip("0123456789" + separator)[:MAX_NAME].rstrip(separator)
    return name if len(name) >= 2 else fallback


def slug_problem(value):
    if SLUG.fullmatch(value) and 2 <= len(value) <= MAX_NAME:
        return None
    return (
        f"use 2-{MAX_NAME} lower-case letters and digits, starting with a letter, with single "
        f"'-' or '_' between them, e.g. project_slug={name_like(value, '-', 'customer-360')}"
    )


def package_problem(value):
    if not PACKAGE.fullmatch(value) or len(value) > MAX_NAME:
        return (
            f"must be a Python identifier of at most {MAX_NAME} lower-case letters, digits "
            "and '_', starting with a letter, e.g. "
            f"package_name={name_like(value, '_', 'customer_360')}"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return f"is a Python keyword; choose another name, e.g. package_name={value}_pipeline"
    if value in RESERVED_PACKAGES or value in sys.stdlib_module_names:
        return (
            "would shadow an existing module of the same name; choose a project-specific "
            f"name, e.g. package_name={value}_pipeline"
        )
    return None


def uc_part_problem(key):
    def check(value):
        if UC_PART.fullmatch(value) and len(value) <= MAX_NAME:
            return None
        return (
            f"must be at most {MAX_NAME} lower-case letters, digits and '_', starting with a "
            "letter, so that every Unity Catalog name built from it is valid, e.g. "
            f"{key}={name_like(value, '_', 'analytics')}"
        )

    return check


def version_problem(value):
    if VERSION.fullmatch(value):
        return None
    return "must be an exact release x.y.z such as 0.1.0 (no ranges like '>=1.0', no '1.2')"


def https_like(value, fallback):
    """``value`` as an https URL of its host, if it has one; else ``fallback``."""
    host = urlsplit(value if "//" in value else f"//{value}").hostname
    return f"https://{host}" if host and HOSTNAME.fullmatch(host) else fallback


def host_problem(key):
    def check(value):
        if _host_ok(value):
            return None
        example = https_like(value, "https://<workspace>.cloud.databricks.com")
        return f"must be a workspace URL https://<host> without a path, e.g. {key}={example}"

    return check


def _host_ok(value):
    parts = urlsplit(value)
    if (
        parts.scheme == "https"
        and parts.hostname
        and HOSTNAME.fullmatch(parts.hostname)
        and parts.username is None
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
        and _port_ok(parts)
    ):
        return True
    return False


def index_problem(value):
    parts = urlsplit(value)
    if "@" in parts.netloc:
        return (
            "must not contain credentials: pass them in UV_INDEX_PRIVATE_USERNAME and "
            "UV_INDEX_PRIVATE_PASSWORD (see the generated README)"
        )
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if (
        secure
        and parts.hostname
        and (parts.hostname in LOOPBACK or HOSTNAME.fullmatch(parts.hostname))
        and not parts.query
        and not parts.fragment
        and not re.search(r"[\s\"'\\]", value)
        and _port_ok(parts)
    ):
        return None
    host = https_like(value, "https://pypi.example.com")
    return (
        "must be the simple-API URL of the private index, https://<host>/<path>/simple/ "
        f"(http only on localhost), e.g. private_index_url={host}/simple/"
    )


def _port_ok(parts):
    try:
        parts.port
    except ValueError:
        return False
    return True


def owner_problem(value):
    if OWNER.fullmatch(value):
        return None
    return (
        "must be a workspace group or user name: up to 100 letters, digits, spaces and "
        "'.', '_', '@', '+', '-'"
    )


def principal_problem(value):
    if UUID.fullmatch(value):
        return None
    return "must be the service principal's application ID, a lower-case UUID"


def email_problem(value):
    if value == "" or (EMAIL.fullmatch(value) and len(value) <= 254):
        return None
    return "must be an e-mail address, e.g. failure_email=data-alerts@example.com, or empty for none"


def uuid_problem(value):
    if UUID.fullmatch(value):
        return None
    return f"must be a lower-case UUID, e.g. bundle_uuid={uuid.uuid4()}"


CHECKS = {
    "project_name": lambda v: text_problem(v, 100),
    "project_slug": slug_problem,
    "package_name": package_problem,
    "description": lambda v: text_problem(v, 300),
    "owner": owner_problem,
    "databricks_utils_version": version_problem,
    "catalog": uc_part_problem("catalog"),
    "schema": uc_part_problem("schema"),
    "dev_host": host_problem("dev_host"),
    "lab_host": host_problem("lab_host"),
    "prod_host": host_problem("prod_host"),
    "service_principal": principal_problem,
    "private_index_url": index_problem,
    "failure_email": email_problem,
    "bundle_uuid": uuid_problem,
}


def problems(answers):
    found = []
    for key, check in CHECKS.items():
        value = answers.get(key)
        problem = "must be a string" if not isinstance(value, str) else check(value)
        if problem:
            found.append(f"{key} {value!r}: {problem}")
    for key, allowed in CHOICES.items():
        if answers.get(key) not in allowed:
            found.append(f"{key} {answers.get(key)!r}: must be one of {', '.join(allowed)}")
    return found


def main():
    found = problems(ANSWERS)
    if not found:
        return 0
    noun = "answer" if len(found) == 1 else "answers"
    lines = [f"Cannot generate the project: {len(found)} invalid {noun}"]
    lines += [f"  - {problem}" for problem in found]
    print("\n".join(lines), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
