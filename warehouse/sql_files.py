"""The SQL that Python runs, kept as `.sql` files in a `sql/` folder beside the module that runs it (in warehouse/,
expectations/ and orchestration/).

As files, sqlfluff lints them (the root `.sqlfluff` says how) and they ship in the wheel as package data.
Values go in as DuckDB prepared parameters (`$name`) when the statement runs; only identifiers or fragments that
genuinely vary (a schema, a table, a column list) are `{{ name }}` placeholders, filled here with Jinja. Undefined
placeholders fail (StrictUndefined) rather than rendering as empty SQL.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import jinja2

FOLDER = "sql"
SUFFIX = ".sql"

# No autoescape: the output is SQL, not HTML. Files keep their last newline, so what runs is what is linted.
_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


def path(package: str, name: str):
    """The file `<package>/sql/<name>.sql` as an importlib.resources Traversable (in a wheel or a checkout)."""
    return files(package).joinpath(FOLDER, name + SUFFIX)


@cache
def _template(package: str, name: str) -> jinja2.Template:
    return _JINJA.from_string(path(package, name).read_text(encoding="utf-8"))


def query(package: str, name: str, **fragments: object) -> str:
    """The SQL of `<package>/sql/<name>.sql`, its `{{ name }}` placeholders filled from `fragments`.

    Called as `query(__package__, "name")` from the module beside the folder."""
    return _template(package, name).render(**fragments)
