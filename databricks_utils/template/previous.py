"""The template an older databricks-utils release shipped: from a path, or its wheel.

``databricks-utils update`` renders the project as the template it came from rendered
it, and needs that template. It is in the release's wheel on the private index
(``databricks_utils/_template``); ``--from`` gives a wheel file or a template directory
instead.

Example:
    >>> from databricks_utils.template.previous import template_from_path
    >>> template_from_path("dist/databricks_utils-0.1.0-py3-none-any.whl", "tmp")  # doctest: +SKIP
    PosixPath('tmp/template')
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
import zipfile
from base64 import b64encode
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urldefrag, urljoin

from databricks_utils.template.source import TEMPLATE_CONFIG, TemplateError

WHEEL_TEMPLATE = "databricks_utils/_template/"
USERNAME_VARIABLE = "UV_INDEX_PRIVATE_USERNAME"
PASSWORD_VARIABLE = "UV_INDEX_PRIVATE_PASSWORD"
TIMEOUT_SECONDS = 60


def template_from_path(source: str | os.PathLike[str], scratch: Path) -> Path:
    """The template in ``source``: a template directory, or a databricks-utils wheel.

    A wheel's template is extracted into ``scratch``.

    Raises:
        TemplateError: when ``source`` is neither.
    """
    path = Path(source)
    if path.is_dir():
        if not (path / TEMPLATE_CONFIG).is_file():
            raise TemplateError(f"--from {path}: a template directory holds {TEMPLATE_CONFIG}")
        return path
    if path.is_file() and zipfile.is_zipfile(path):
        return _extract_template(path, scratch / "template")
    raise TemplateError(
        f"--from {path}: neither a template directory nor a databricks-utils wheel (.whl)"
    )


def template_from_index(
    version: str, index_url: str, scratch: Path, env: Mapping[str, str] | None = None
) -> Path:
    """Download the wheel of databricks-utils ``version`` from ``index_url`` (a simple API
    URL); return its template, extracted into ``scratch``.

    Credentials come from ``UV_INDEX_PRIVATE_USERNAME`` / ``UV_INDEX_PRIVATE_PASSWORD``,
    as for ``uv sync`` in the project; they never appear in a message.

    Raises:
        TemplateError: when the index refuses, lacks that version, or serves a file that
            does not match its hash.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    page_url = f"{index_url.rstrip('/')}/databricks-utils/"
    credentials = (environ.get(USERNAME_VARIABLE), environ.get(PASSWORD_VARIABLE))
    page = _get(page_url, credentials, version).decode("utf-8", errors="replace")
    wanted = f"databricks_utils-{version}-py3-none-any.whl"
    for href in _links(page):
        url, fragment = urldefrag(urljoin(page_url, href))
        if PurePosixPath(url).name != wanted:
            continue
        wheel = scratch / wanted
        wheel.write_bytes(_get(url, credentials, version))
        _check_hash(wheel, fragment, url)
        return _extract_template(wheel, scratch / "template")
    raise TemplateError(
        f"{page_url} has no {wanted}: the project's template version is not on the private "
        "index; pass the template it was generated from with --from WHEEL_OR_DIRECTORY"
    )


def _get(url: str, credentials: tuple[str | None, str | None], version: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    user, password = credentials
    if user and password:
        token = b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise TemplateError(
                f"{url} refused the download of databricks-utils {version} (HTTP {exc.code}): "
                f"set {USERNAME_VARIABLE} and {PASSWORD_VARIABLE} to a user and read token "
                "of the private index"
            ) from None
        if exc.code == 404:
            raise TemplateError(
                f"{url}: not found (HTTP 404); is private_index_url in .databricks-utils.json "
                "the index's simple API URL? Or pass the template with --from WHEEL_OR_DIRECTORY"
            ) from None
        raise TemplateError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TemplateError(f"{url}: cannot connect ({reason})") from None


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def _links(page: str) -> list[str]:
    parser = _LinkParser()
    parser.feed(page)
    return parser.hrefs


def _check_hash(wheel: Path, fragment: str, url: str) -> None:
    match = re.fullmatch(r"(sha256|sha384|sha512)=([0-9a-f]+)", fragment)
    if match is None:
        return
    digest = hashlib.new(match.group(1), wheel.read_bytes()).hexdigest()
    if digest != match.group(2):
        raise TemplateError(f"{url}: the download does not match its {match.group(1)} hash")


def _extract_template(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(WHEEL_TEMPLATE)]
        if f"{WHEEL_TEMPLATE}{TEMPLATE_CONFIG}" not in members:
            raise TemplateError(f"{wheel}: not a databricks-utils wheel with a project template")
        for name in members:
            relative = PurePosixPath(name[len(WHEEL_TEMPLATE) :])
            if name.endswith("/") or ".." in relative.parts:
                continue
            target = into.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    return into
