"""makemessages only extracts the gettext names xgettext knows (and the keywords the project's own makemessages
adds): a string marked through another alias never reaches the catalogue, and Korean readers see it in English
whatever the catalogue check says."""

import ast
from pathlib import Path

from core.management.commands.makemessages import Command

ROOT = Path(__file__).resolve().parents[2]
SKIP = {"tests", "bench", "migrations", "node_modules", "static", "templates", "locale", "var", "docs"}
EXTRACTED = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
} | {
    option.removeprefix("--keyword=").split(":")[0]
    for option in Command.xgettext_options
    if option.startswith("--keyword=")
}


def test_translation_functions_are_imported_under_names_makemessages_extracts():
    aliases = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or SKIP & set(parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                aliases += [
                    f"{path.relative_to(ROOT)}: {a.name} as {a.asname}"
                    for a in node.names
                    if "gettext" in a.name and (a.asname or a.name) not in EXTRACTED
                ]
    assert len(list(ROOT.glob("*/views.py"))) > 5  # the scan sees the apps
    assert aliases == []
