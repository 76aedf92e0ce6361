"""The shape every function keeps (issue 15): none over 40 lines, and none in a ``views*.py`` module over 20, outside
``bench/``, migrations and the tests. A long function is split into named parts; the failure lists each offender."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = {"bench", "migrations", "tests", "node_modules", "var", "static", "locale"}
FUNCTION_LIMIT, VIEW_LIMIT = 40, 20


def offenders(root=ROOT):
    """'<lines> <path>:<line> <name>' of every function over its limit, longest first."""
    rows = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if OUTSIDE & set(parts) or any(p.startswith(".") for p in parts):
            continue
        limit = VIEW_LIMIT if path.name.startswith("views") else FUNCTION_LIMIT
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    rows.append((lines, f"{lines} {'/'.join(parts)}:{node.lineno} {node.name}"))
    return [row for _lines, row in sorted(rows, reverse=True)]


def test_the_rule_counts_a_function_from_its_def_to_its_last_line(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("def view(request):\n" + "    x = 1\n" * 20)
    (tmp_path / "app" / "services.py").write_text("def ok():\n" + "    x = 1\n" * 39)
    (tmp_path / "app" / "tasks.py").write_text("def long():\n" + "    x = 1\n" * 40)
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "load.py").write_text("def skipped():\n" + "    x = 1\n" * 99)
    assert offenders(tmp_path) == ["41 app/tasks.py:1 long", "21 app/views.py:1 view"]


def test_no_function_is_over_40_lines_and_no_view_over_20():
    assert offenders() == []
