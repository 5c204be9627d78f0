"""A small threaded WSGI server that keeps HTTP/1.1 connections open, as LINE's API does.

Werkzeug's development server closes every connection after one answer, so a client's connection pool
(the SDK's urllib3 pool) would never be exercised: each call would connect anew. This one reads each
request's body whole (Content-Length or chunked), runs the app, answers with a Content-Length and goes on
reading the next request on the same connection until the client closes it, asks to (`Connection: close`)
or leaves it idle for `idle_timeout` seconds. It counts the connections it accepted
(`connections_accepted`), so a test can tell pooled calls from calls that each connect.

The app may drop a connection without answering (the fake platform's injected faults): it shuts the
socket down (`environ[CONNECTION_ENVIRON]`) and raises ConnectionError.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

CONNECTION_ENVIRON = "linesim.socket"  # the client's socket, for an app that drops the connection
MAX_BODY = 64 * 1024 * 1024
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})


class BadRequest(ValueError):
    pass


class KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # listen backlog, as werkzeug's (socketserver's 5 overflows under a burst)

    def __init__(self, host: str, port: int, app: WSGIApplication, idle_timeout: float = 30.0) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.connections_accepted = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__((host, port), _Handler)

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._lock:
            self.connections_accepted += 1
            self._open.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End the connections still open (idle keep-alive ones), so their threads finish."""
        with self._lock:
            open_now, self._open = list(self._open), set()
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: KeepAliveServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)  # reads (the next request's too) wait this long

    def log_message(self, format: str, *args: Any) -> None:
        return None  # the app logs what it wants (and never bodies)

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():  # it answered the error itself
            return
        try:
            body = self._body()
        except BadRequest as exc:
            self.close_connection = True
            self.send_error(400, str(exc))
            return
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        self._run(body)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";", 1)[0].strip() or b"x", 16)
                except ValueError as exc:
                    raise BadRequest("bad chunk size") from exc
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                total += size
                if total > MAX_BODY:
                    raise BadRequest("body too large")
                parts.append(self.rfile.read(size))
                self.rfile.readline(8)  # the chunk's CRLF
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError as exc:
            raise BadRequest("bad Content-Length") from exc
        if size < 0 or size > MAX_BODY:
            raise BadRequest("bad Content-Length")
        data = self.rfile.read(size)
        if len(data) != size:
            raise BadRequest("body shorter than its Content-Length")
        return data

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        if path.startswith(("http://", "https://")):  # absolute form
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, encoding="latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.host,
            "SERVER_PORT": str(self.server.port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            CONNECTION_ENVIRON: self.connection,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _run(self, body: bytes) -> None:
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return chunks.append

        try:
            result = self.server.app(self._environ(body), start_response)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except ConnectionError:  # the app dropped the connection on purpose, or the client went away
            self.close_connection = True
            return
        except Exception:
            traceback.print_exc()
            started[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]]
            chunks[:] = [b"Internal Server Error"]
        if not started:
            started[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]]
        status, headers = started
        data = b"".join(chunks)
        lines = [f"{self.protocol_version} {status}"]
        lines += [f"{name}: {value}" for name, value in headers if name.lower() not in _HOP_BY_HOP]
        lines.append(f"Content-Length: {len(data)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head if self.command == "HEAD" else head + data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
