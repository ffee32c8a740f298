"""The app sits above the library and the orchestration: `tradewh/` may import both, `orchestration/` the library
(`warehouse/`, `expectations/`), and the library neither of the two above it. Checked on the source, every import
statement (module level or inside a function), so a lazy import that crosses the line fails too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# package -> the top-level packages of this project it must not import
FORBIDDEN = {
    "warehouse": {"orchestration", "tradewh"},
    "expectations": {"orchestration", "tradewh"},
    "orchestration": {"tradewh"},
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_one_above_it(package):
    crossing = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
        if imported_packages(path) & FORBIDDEN[package]
    }
    assert crossing == {}


def test_the_check_sees_a_lazy_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from orchestration.runner import run_platform\n    import tradewh.cli\n")
    assert imported_packages(module) >= {"orchestration", "tradewh"}
