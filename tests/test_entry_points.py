"""`code-index` is our one console script; `code-index mcp` is the one way to start the server.

`code-index-mcp` is the script name of a well-known peer on PyPI, so we must not install one.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution


def test_the_only_console_script_is_code_index() -> None:
    scripts = {
        entry.name: entry.value
        for entry in distribution("code-index").entry_points
        if entry.group == "console_scripts"
    }
    assert scripts == {"code-index": "codeindex.launcher:main"}


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_parsing_a_command_line_never_imports_the_server() -> None:
    code = (
        "import sys\n"
        "from codeindex.cli import build_parser\n"
        "build_parser().parse_args(['status'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('codeindex_server')))\n"
    )
    assert run_python(code) == "[]"


def test_mcp_goes_to_the_server_without_loading_the_index_library() -> None:
    # The client waits for `initialize`; the library loads on the server's own thread later.
    code = (
        "import sys\n"
        "from codeindex.launcher import main\n"
        "code = main(['mcp', '--root', '/no/such/dir'])\n"
        "print(code, 'codeindex.api' in sys.modules, 'codeindex.cli' in sys.modules)\n"
    )
    assert run_python(code) == "2 False False"
