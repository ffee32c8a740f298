"""SQL lives in .sql files (warehouse/sql_files.py): none left in the Python outside tests, every file a module asks
for resolves as package data, and none is left unused."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jinja2
import pytest

from warehouse import sql_files
from warehouse.metrics.period_scope import method_files

ROOT = Path(__file__).resolve().parents[1]
# Every folder of Python outside tests: no SQL string of more than MAX_LINES lines is left in any of them (issue 17).
SCANNED = ("tradewh", "warehouse", "expectations", "orchestration", "benchmarks")
# The packages whose modules run SQL files (each file in a `sql/` folder of one of them).
PACKAGES = ("warehouse", "expectations", "orchestration")
MAX_LINES = 3
# A statement: its verb at the start of a line, then (anywhere after) what it reads or writes. At a line's start, so
# that prose naming tables "with" counts (the SQL shell's help) is not taken for SQL.
SQL_LIKE = re.compile(
    r"^[\s(]*(select|with|create|insert|update|delete)\b.*\b(from|into|table|set|macro)\b", re.I | re.S | re.M
)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def sql_strings(path: Path, source: str | None = None) -> list[str]:
    """`file:line` of every string literal or f-string of more than MAX_LINES lines in `path` that reads as SQL,
    docstrings aside."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    # The literal parts of an f-string are Constants inside it: judge the f-string whole, not its parts.
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in ast.walk(node) if part is not node)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(p.value if isinstance(p, ast.Constant) else "x" for p in node.values)
        else:
            continue
        if node.end_lineno - node.lineno + 1 > MAX_LINES and SQL_LIKE.search(text):
            found.append(f"{path}:{node.lineno}")
    return sorted(found, key=lambda s: (s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1])))


def _modules() -> list[Path]:
    return [p for folder in SCANNED for p in sorted((ROOT / folder).rglob("*.py"))]


def test_the_scan_reads_every_python_module_outside_tests():
    """A new top-level folder of Python would otherwise go unscanned (each holds modules at its top: a package's
    __init__.py, the benchmark scripts); hidden folders are tooling and environments, not the project's code."""
    folders = {d.name for d in ROOT.iterdir() if d.is_dir() and not d.name.startswith(".") and any(d.glob("*.py"))}
    assert folders - {"tests"} == set(SCANNED)


def test_no_sql_strings_left_in_python_outside_tests():
    offending = [hit for path in _modules() for hit in sql_strings(path.relative_to(ROOT))]
    assert not offending, "SQL in Python strings (move it to a .sql file, warehouse/sql_files.py):\n" + "\n".join(
        offending
    )


def test_the_scan_finds_sql_in_strings_and_f_strings_but_not_docstrings_or_short_strings(tmp_path):
    module = tmp_path / "snippet.py"
    module.write_text(
        '"""A docstring that says select x\nfrom y\nwhere z\nand w."""\n'
        "\n"
        'SHORT = "select x from y"\n'
        'LONG = """\n'
        "select x\n"
        "from y\n"
        'where z"""\n'
        "\n"
        "def f(table):\n"
        '    """Not SQL either:\n    create\n    a table\n    here."""\n'
        '    return f"""\n'
        "        insert into {table}\n"
        "        select 1\n"
        '        """\n'
        "\n"
        'PROSE = """\n'
        "Three lines\n"
        "of prose\n"
        'with nothing to read."""\n'
        'HELP = """\\\\dt   tables and views (with row counts)\n'
        "\\\\d    a table's columns, selected from\n"
        "the catalogue\n"
        'and more."""\n'
    )
    assert sql_strings(module) == [f"{module}:7", f"{module}:17"]


def _query_calls() -> list[tuple[Path, str, str]]:
    """(module, package, name) of every `query(__package__, "<name>")` call in PACKAGES."""
    calls = []
    for path in sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")):
        package = ".".join(path.relative_to(ROOT).parent.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if isinstance(node, ast.Call) and name == "query" and len(node.args) >= 2:
                assert isinstance(node.args[0], ast.Name) and node.args[0].id == "__package__", f"{path}:{node.lineno}"
                assert isinstance(node.args[1], ast.Constant), f"{path}:{node.lineno}: name the file literally"
                calls.append((path, package, node.args[1].value))
    return calls


def test_every_query_file_a_module_runs_resolves_as_package_data_and_none_is_unused():
    calls = _query_calls()
    assert calls
    missing = [f"{path}: {package}/sql/{name}.sql" for path, package, name in calls]
    missing = [m for m, (_, p, n) in zip(missing, calls, strict=True) if not sql_files.path(p, n).is_file()]
    assert not missing, "\n".join(missing)
    used = {(package, name) for _, package, name in calls}
    files = {
        (".".join(f.relative_to(ROOT).parent.parent.parts), f.stem)
        for package in PACKAGES
        for f in (ROOT / package).rglob(f"{sql_files.FOLDER}/*{sql_files.SUFFIX}")
    }
    assert files - used == set(), "SQL files no module runs"


def test_the_files_hold_only_placeholders_the_linter_substitutes():
    """sqlfluff lints them with its placeholder templater (warehouse/.sqlfluff): `$name` and `{{ name }}` only, so
    a Jinja statement or filter would go unlinted."""
    bad = []
    files = (f for package in PACKAGES for f in (ROOT / package).rglob(f"{sql_files.FOLDER}/*{sql_files.SUFFIX}"))
    for f in sorted(files):
        text = f.read_text(encoding="utf-8")
        if "{%" in text or "{#" in text or re.sub(r"\{\{ \w+ \}\}", "", text).count("{{"):
            bad.append(str(f.relative_to(ROOT)))
        # A placeholder in a comment is filled too: a multi-line fragment would end the comment and run its text.
        bad += [f"{f.relative_to(ROOT)}: {line}" for line in text.splitlines() if "{{" in line.partition("--")[2]]
    assert not bad


def test_a_missing_fragment_fails_instead_of_rendering_empty(tmp_path, monkeypatch):
    folder = tmp_path / "pkg" / sql_files.FOLDER
    folder.mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (folder / "probe.sql").write_text("select x from {{ table }} where y = $value\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert sql_files.query("pkg", "probe", table="t") == "select x from t where y = $value\n"
    with pytest.raises(jinja2.UndefinedError):
        sql_files.query("pkg", "probe")


def test_the_measuring_code_fingerprint_covers_the_metrics_sql_files():
    """A change to a metrics SQL file re-measures every period, as a change to a module does (period_scope.py)."""
    sql = sorted((ROOT / "warehouse/metrics" / sql_files.FOLDER).glob(f"*{sql_files.SUFFIX}"))
    assert sql
    assert set(sql) <= set(method_files())
