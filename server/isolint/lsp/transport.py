"""The message loop: bytes from stdio or a TCP connection, through :mod:`isolint.lsp.framing`,
to the protocol; it ends on ``exit``, end of input, or when the client process is gone.

stdin is read by a daemon thread, so a read that never returns cannot keep the process alive;
when the client pauses mid-message, the framer gets a chance to take what it holds as it is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from pygls.io_ import StdoutWriter

from isolint.lsp.framing import Framer, Unreadable

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

log = logging.getLogger(__name__)

#: seconds of silence after which a half-received message is taken as it is (if it parses)
IDLE_SECONDS = 0.5
READ_SIZE = 1 << 16


async def serve(server: IsolintLanguageServer, read: Callable[[], Awaitable[bytes]]) -> None:
    """Read, frame and dispatch messages until ``exit``, end of input or the client's end."""
    protocol = server.protocol
    framer = Framer()
    leaving = asyncio.Event()
    loop = asyncio.get_running_loop()
    protocol.on_exit = lambda: loop.call_soon_threadsafe(leaving.set)
    leave = asyncio.ensure_future(leaving.wait())
    chunk = asyncio.ensure_future(read())
    try:
        while protocol.exit_code is None:
            done, _ = await asyncio.wait({chunk, leave}, timeout=IDLE_SECONDS if framer.waiting() else None,
                                         return_when=asyncio.FIRST_COMPLETED)
            if leave in done:
                break
            if chunk not in done:
                _dispatch(server, framer.idle(), framer)
                continue
            data = chunk.result()
            if not data:
                log.info("the client closed the connection")
                _dispatch(server, framer.idle(), framer)
                break
            framer.feed(data)
            _dispatch(server, framer.pop(), framer)
            chunk = asyncio.ensure_future(read())
    finally:
        for task in (chunk, leave):
            task.cancel()
    if protocol.exit_code is None:
        protocol.exit_code = 0 if protocol.shut_down else 1


def _dispatch(server: IsolintLanguageServer, messages: list, framer: Framer) -> None:
    for problem in framer.problems:
        log.warning("framing: %s", problem)
    framer.problems.clear()
    for message in messages:
        if server.protocol.exit_code is not None:
            return
        if isinstance(message, Unreadable):
            server.protocol.send_error(None, -32700, message.reason)
            continue
        try:
            server.protocol.receive(message)
        except Exception:
            log.exception("handling a message failed")


def serve_stdio(server: IsolintLanguageServer) -> int:
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    stdin = sys.stdin.buffer.fileno()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes] = asyncio.Queue()

        def pump() -> None:
            while True:
                try:
                    data = os.read(stdin, READ_SIZE)
                except OSError as exc:
                    log.warning("reading stdin failed: %s", exc)
                    data = b""
                try:
                    loop.call_soon_threadsafe(chunks.put_nowait, data)
                except RuntimeError:  # the loop is closed: the server is leaving, nothing to read for
                    return
                if not data:
                    return

        threading.Thread(target=pump, name="isolint-stdin", daemon=True).start()
        await serve(server, chunks.get)

    asyncio.run(run())
    return server.protocol.exit_code or 0


def serve_tcp(server: IsolintLanguageServer, host: str, port: int) -> int:
    """Listen on ``host:port`` and serve the first connection until it ends."""

    async def run() -> None:
        finished = asyncio.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            server.protocol.set_writer(writer)  # type: ignore[arg-type]
            try:
                await serve(server, lambda: reader.read(READ_SIZE))
            finally:
                writer.close()
                finished.set()

        listener = await asyncio.start_server(connection, host, port)
        log.info("listening on %s", ", ".join(str(s.getsockname()) for s in listener.sockets))
        async with listener:
            await finished.wait()

    asyncio.run(run())
    return server.protocol.exit_code or 0
