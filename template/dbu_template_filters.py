"""Jinja filters of the databricks-utils project template (loaded through ``_extensions``)."""

import json

from cookiecutter.utils import simple_filter


@simple_filter
def quoted(value):
    """``value`` as a double-quoted string literal that is valid TOML, YAML and Python.

    Quotes, backslashes and control characters are escaped; other characters are kept
    as they are (JSON's ``\\uD83D``-style surrogate escapes would be invalid TOML).
    """
    return json.dumps(str(value), ensure_ascii=False)
