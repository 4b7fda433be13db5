"""The `code-index` command: parse arguments, call CodeIndex, render text or JSON.

- `entry`: routing, the garbage-collector pause, errors as exit codes;
- `arguments`: the argparse grammar;
- `opening`: opening (and refreshing) the index for a command;
- `output`: rendering shared by the commands;
- `symbols`, `maintenance`, `clones`: the commands, one module per group.
"""

from codeindex.cli.arguments import build_parser
from codeindex.cli.entry import main

__all__ = ["build_parser", "main"]
