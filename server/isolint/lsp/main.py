"""``isolint server``: parse the command line, set up logging, serve over stdio or TCP."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path

WORKER_GRACE_SECONDS = 0.2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="isolint server", description="Start the isolint language server.")
    parser.add_argument("--stdio", action="store_true", help="communicate over stdin/stdout (the default)")
    parser.add_argument("--tcp", action="store_true", help="listen on a TCP socket instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind with --tcp (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="port to listen on with --tcp (default: 2087)")
    parser.add_argument("--log-file", type=Path, help="write the server's log to this file (default: stderr)")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def _configure_logging(log_file: Path | None, level: str) -> None:
    handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":
        # pygls logs every message it sends at INFO, the whole JSON of every publish:
        # that is a trace, and it costs more than the analysis on a large file
        logging.getLogger("pygls.protocol").setLevel(logging.WARNING)


def main(argv: list[str]) -> int:
    """Serve until ``exit`` (0 after ``shutdown``, else 1), end of input or the client's end,
    then leave at once."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.log_file, args.log_level)
    from isolint.lsp.server import create_server
    from isolint.lsp.transport import serve_stdio, serve_tcp

    server = create_server()
    try:
        code = serve_tcp(server, args.host, args.port) if args.tcp else serve_stdio(server)
    finally:
        server.close_executors()
    _leave(code)
    return code  # not reached


def _leave(code: int) -> None:
    """End the process now. An interpreter's normal exit waits for worker threads (one may be
    inside one file's analysis) and then tears down every object of the workspace's index, which
    took seconds on a 1,000-file workspace; the editor expects the process gone within one.
    Nothing is left to save: the server writes no files, and the log and stdout are flushed."""
    log = logging.getLogger(__name__)
    deadline = time.monotonic() + WORKER_GRACE_SECONDS  # workers stop between two files
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(deadline - time.monotonic(), 0))
    busy = [t.name for t in threading.enumerate()
            if t is not threading.current_thread() and not t.daemon and t.is_alive()]
    log.info("leaving with exit code %d%s", code, f" ({', '.join(busy)} still running)" if busy else "")
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
