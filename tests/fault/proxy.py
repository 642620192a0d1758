"""A TCP proxy that breaks connections on purpose (asyncio, in a thread of its own).

    proxy = CuttingProxy(target=("127.0.0.1", 8000)).start()   # proxy.port: where clients connect
    proxy.cut(3)              # reset 3 random open connections now
    proxy.delay_s = 0.2       # delay every forwarded chunk by up to 0.2 s (random)
    proxy.stop()

A cut closes both sides abruptly (RST where the OS allows: SO_LINGER 0), in the middle of whatever
was flowing: a request half sent, an answer half received, a longpoll waiting. `cuts` counts the
connections cut, `connections` those accepted.
"""
from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading


class CuttingProxy:
    def __init__(self, *, target: tuple[str, int], seed: int = 0, listen_port: int = 0):
        self.target = target
        self.rnd = random.Random(seed)
        self.listen_port = listen_port
        self.port = 0
        self.delay_s = 0.0
        self.cuts = 0
        self.connections = 0
        self._open: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # --- control (from any thread) -------------------------------------------------------------
    def start(self) -> CuttingProxy:
        self._thread = threading.Thread(target=self._run, name="cutting-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("proxy did not start")
        return self

    def cut(self, count: int = 1) -> int:
        """Cut up to `count` random open connections; returns how many were cut."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._cut(count), self._loop)
        return future.result(10)

    def open_connections(self) -> int:
        return len(self._open)

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    # --- the loop ----------------------------------------------------------------------------------
    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.listen_port, reuse_address=True))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(client_writer)
            return
        pair = (client_writer, upstream_writer)
        self._open.add(pair)
        try:
            await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))
        finally:
            self._open.discard(pair)
            for writer in pair:
                if not writer.is_closing():
                    writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    if not writer.is_closing() and writer.can_write_eof():
                        writer.write_eof()
                    return
                if self.delay_s:
                    await asyncio.sleep(self.rnd.uniform(0, self.delay_s))
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            return

    async def _cut(self, count: int) -> int:
        chosen = self.rnd.sample(sorted(self._open, key=id), min(count, len(self._open)))
        for client_writer, upstream_writer in chosen:
            _abort(client_writer)
            _abort(upstream_writer)
            self._open.discard((client_writer, upstream_writer))
        self.cuts += len(chosen)
        return len(chosen)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for client_writer, upstream_writer in list(self._open):
            _abort(client_writer)
            _abort(upstream_writer)
        self._open.clear()


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a reset, not a graceful FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport = writer.transport
    transport.abort()
