"""A threaded wsgiref server: one thread per connection, quiet, able to drop a connection."""

from __future__ import annotations

import socket
import socketserver
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from llmtr.emulator.app import Emulator
from llmtr.emulator.faults import Disconnect


class _Handler(ServerHandler):
    request_handler: _RequestHandler  # set by _RequestHandler.handle before run()

    def handle_error(self) -> None:
        # A "disconnect" fault: send nothing and let the request handler close the socket.
        if isinstance(getattr(self, "_exc", None), Disconnect):
            return
        super().handle_error()

    def run(self, application: Any) -> None:
        def app(environ: dict[str, Any], start_response: Any) -> Any:
            try:
                return application(environ, start_response)
            except Disconnect as drop:
                self._exc = drop
                self.request_handler.dropped = True
                raise

        super().run(app)


class _RequestHandler(WSGIRequestHandler):
    server: ThreadedWSGIServer  # typeshed says BaseServer; serve() builds this one
    dropped = False

    def log_message(self, format: str, *args: Any) -> None:
        pass  # 200 concurrent benchmark requests would flood the terminal

    def handle(self) -> None:
        # wsgiref's handle(), with our ServerHandler (multithread=True, disconnects).
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        # typeshed: wfile is a BufferedIOBase, ServerHandler asks for IO[bytes] but only
        # writes and flushes it; wsgiref's own handle() passes the same object.
        handler = _Handler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self
        handler.run(self.server.get_app())
        if self.dropped:
            self.connection.shutdown(socket.SHUT_RDWR)


class ThreadedWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # hanging requests must not keep the process alive
    request_queue_size = 1024  # the listen backlog; a benchmark opens 200 at once
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port
        self.setup_environ()

    @property
    def base_url(self) -> str:
        """http://host:port of the bound socket (port 0 is the real port by now)."""
        return f"http://{self.server_name}:{self.server_port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that vanish mid-request (timeouts, benchmarks) are normal here


def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 8090) -> ThreadedWSGIServer:
    """A bound server for the emulator; call serve_forever() (and later shutdown())."""
    server = ThreadedWSGIServer((host, port), _RequestHandler)
    server.set_app(emulator)
    return server
