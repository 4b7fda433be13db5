"""`code-index mcp`: the MCP server, on stdio unless told otherwise.

Startup order matters: the client is waiting for `initialize`. This module imports only the
standard library at the top; the SDK loads next, and the index library (root discovery
included) loads on the service's background thread while the server already answers.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codeindex_server.service import IndexService

ROOT_ENV = "CODE_INDEX_ROOT"
LOOPBACK = "127.0.0.1"
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="code-index mcp",
        description="The code-index MCP server. Speaks MCP on stdin/stdout; logs go to stderr.",
    )
    add_arguments(parser, with_root=True)
    return parser


def add_arguments(parser: argparse.ArgumentParser, with_root: bool) -> None:
    """Options of the server (`code-index mcp` hands its arguments to `main`)."""
    if with_root:
        parser.add_argument(
            "--root",
            type=Path,
            help=f"project root (default: ${ROOT_ENV}, else the nearest .code-index/, "
            "else the git top level, else the current directory)",
        )
        parser.add_argument(
            "--max-file-size",
            type=int,
            metavar="BYTES",
            help="skip files larger than this (default 1 MiB, or $CODE_INDEX_MAX_FILE_SIZE); "
            "the limit is kept by the index for later commands until another is given",
        )
    parser.add_argument(
        "--transport",
        choices=("stdio", "streamable-http"),
        default="stdio",
        help="stdio (default), or streamable HTTP on 127.0.0.1 only",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port for --transport streamable-http"
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,  # `debug` as well as `DEBUG`
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default=os.environ.get("CODE_INDEX_LOG_LEVEL", "WARNING").upper(),
        help="stderr log level (default WARNING, or $CODE_INDEX_LOG_LEVEL)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    return serve_arguments(build_parser().parse_args(argv))


def serve_arguments(args: argparse.Namespace) -> int:
    """`serve` with the options `add_arguments` defined."""
    return serve(
        root=args.root,
        max_file_size=args.max_file_size,
        transport=args.transport,
        port=args.port,
        log_level=args.log_level,
    )


def serve(
    root: Path | None,
    max_file_size: int | None = None,
    transport: str = "stdio",
    port: int = 8765,
    log_level: str = "WARNING",
) -> int:
    # stdout belongs to the protocol: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, log_level, logging.WARNING),
        format="code-index mcp: %(levelname)s %(message)s",
    )
    chosen = root or (Path(os.environ[ROOT_ENV]) if os.environ.get(ROOT_ENV) else None)
    if chosen is not None and not chosen.is_dir():
        print(
            f"code-index mcp: root {chosen} is not a directory; pass an existing --root "
            f"or set {ROOT_ENV}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from codeindex_server.app import create_server
    from codeindex_server.service import IndexService

    service = IndexService(chosen, max_file_size=max_file_size)
    server = create_server(service)  # its lifespan starts the service
    # Clients end a server with SIGTERM (after closing stdin, or at once): shut down as on
    # Ctrl-C, so the start-up catch-up can finish the slice it is committing.
    signal.signal(signal.SIGTERM, lambda signum, frame: _terminate(service))
    try:
        if transport == "streamable-http":
            # Never a public listener: loopback only, and only when asked for.
            server.run("streamable-http", host=LOOPBACK, port=port)
        else:
            server.run("stdio")
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return 0


def _terminate(service: IndexService) -> None:
    """SIGTERM. The main thread unwinds as on Ctrl-C, but the SDK reads stdin on a worker
    thread blocked in read(), which only input or EOF wakes, and the event loop waits for
    it: with stdin left open the process would stay. So a thread of ours stops the service
    (idempotent: the main thread's `finally` waits for it) and ends the process."""

    def stop_then_exit() -> None:
        service.stop()
        os._exit(0)

    threading.Thread(target=stop_then_exit, name="code-index-sigterm", daemon=True).start()
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
