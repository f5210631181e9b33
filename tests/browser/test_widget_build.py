"""The served widget.js is the source modules joined by bot/widget/build.py (no bundler)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.widget.build import MODULES, SRC, STYLESHEET, WidgetBuildError, build_widget, module_body


def test_every_source_file_is_in_the_build() -> None:
    on_disk = {path.name for path in SRC.iterdir() if path.suffix in (".js", ".css")}
    assert on_disk == set(MODULES) | {STYLESHEET}, "a module was added to src/ but not to MODULES (or removed)"


def test_build_is_one_script_without_module_syntax() -> None:
    script = build_widget()
    assert script.count("(function () {") == 1 and script.rstrip().endswith("}());")
    assert not re.search(r"^\s*(import|export)\s", script, re.MULTILINE)
    assert "innerHTML" not in script and "eval(" not in script
    for name in MODULES:
        assert f"// ---- src/{name}" in script
    # The CSS travels as one JSON string for a constructed stylesheet (no <style>, CSP-safe).
    assert re.search(r'^const WIDGET_CSS = ".*prefers-color-scheme: dark.*";$', script, re.MULTILINE)


def test_build_is_valid_javascript() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found: it comes with npm, which `make browser-deps` needs anyway")
    result = subprocess.run([node, "--check", "-"], input=build_widget(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_imports_and_exports_are_removed_by_line() -> None:
    source = "import { a, b } from './x.js';\nexport function f() {}\nexport const C = 1;\nconst d = 2;\n"
    assert module_body("x.js", source) == "function f() {}\nconst C = 1;\nconst d = 2;"


@pytest.mark.parametrize(
    "source", ["export default function () {}\n", "import {\n  a\n} from './x.js';\n", "import './x.js'\n"]
)
def test_forms_the_joiner_cannot_handle_are_refused(source: str) -> None:
    with pytest.raises(WidgetBuildError):
        module_body("x.js", source)


def test_command_line_writes_the_script(tmp_path: Path) -> None:
    from bot.widget.build import main

    target = tmp_path / "widget.js"
    assert main(["build", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == build_widget()
