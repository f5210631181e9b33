"""Build the one widget script clinics embed from its source modules in ``src/``.

Why a build at all, and why this small: clinics embed one ``<script>`` tag and build
nothing, but a 1,000-line closure is hard to find one's way in. So the widget is written
as small ES modules and a CSS file, and this pure function joins them into a single
script: ``import`` lines are dropped, ``export`` keywords removed, everything wrapped in
one function scope, and the CSS added as a string for a constructed stylesheet (which a
strict CSP allows). No bundler, no minifier, no npm step; the bot's widget channel calls
this once per process.

``python -m bot.widget.build [out.js]`` writes (or prints) the result, to look at it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent / "src"

# In dependency order: each module only uses names from modules above it.
MODULES = (
    "strings.js",
    "colour.js",
    "text.js",
    "dom.js",
    "store.js",
    "api.js",
    "view.js",
    "messages.js",
    "panel.js",
    "conversation.js",
    "main.js",
)
STYLESHEET = "widget.css"

HEADER = """/*!
 * Milia assistant chat widget: plain JavaScript, no dependencies, served by the bot.
 * Built from bot/widget/src/ by bot/widget/build.py; edit the sources, not this file.
 * Embed: <script src="https://BOT/webhooks/widget/widget.js" data-bot-url="https://BOT" defer></script>
 */
"""

IMPORT_LINE = re.compile(r"^import\s[^;]*;\s*$")
EXPORT_KEYWORD = re.compile(r"^export\s+(?=(?:async\s+)?function\b|const\b|let\b|class\b)")
EXPORT_LIST = re.compile(r"^export\s*\{[^}]*\};?\s*$")
# Whole-line comments explain the sources; the served file points readers there.
LINE_COMMENT = re.compile(r"^\s*//(?!\s*----)")
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class WidgetBuildError(ValueError):
    """A source module uses a form of import/export the joiner does not handle."""


def module_body(name: str, source: str) -> str:
    """One module's code without its import lines, export keywords and comment lines.

    Only single-line ``import {...} from './x.js';`` and ``export function|const|let|class``
    are allowed, so that joining stays a line filter a reader can check by eye.
    """
    lines = []
    for number, line in enumerate(source.splitlines(), start=1):
        if IMPORT_LINE.match(line) or EXPORT_LIST.match(line) or LINE_COMMENT.match(line):
            continue
        if line.startswith(("import ", "import{")) or re.match(r"^export\s+default\b", line):
            raise WidgetBuildError(f"{name}:{number}: only one-line named imports and exports are supported")
        lines.append(EXPORT_KEYWORD.sub("", line))
    body = "\n".join(lines).strip("\n")
    if re.search(r"^\s*(import|export)\s", body, re.MULTILINE):
        raise WidgetBuildError(f"{name}: an import or export was left after joining")
    return body


def stylesheet(source: str) -> str:
    """The CSS without comments and indentation (it travels as a JavaScript string)."""
    text = CSS_COMMENT.sub("", source)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def build_widget(src: Path = SRC) -> str:
    """The served ``widget.js``: every module in one IIFE, the CSS as ``WIDGET_CSS``."""
    parts = [HEADER, "(function () {\n'use strict';\n"]
    css = stylesheet((src / STYLESHEET).read_text(encoding="utf-8"))
    parts.append(f"const WIDGET_CSS = {json.dumps(css)};\n")
    for name in MODULES:
        parts.append(f"\n// ---- src/{name}\n")
        parts.append(module_body(name, (src / name).read_text(encoding="utf-8")))
        parts.append("\n")
    parts.append("}());\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    script = build_widget()
    if len(argv) > 1:
        Path(argv[1]).write_text(script, encoding="utf-8")
    else:
        sys.stdout.write(script)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
