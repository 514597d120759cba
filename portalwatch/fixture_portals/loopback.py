"""A tiny threaded HTTP server on 127.0.0.1 for test sites: routes a request to a reply and logs it."""

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""  # an iterable is streamed (huge pages)
    content_type: str = "text/html; charset=utf-8"  # not sent with a 304 (RFC 9110 15.4.5)
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None  # Content-Length of a streamed body
    delay: float = 0.0  # seconds to wait before answering (slow servers)


@dataclass(frozen=True)
class Seen:
    path: str  # with the query string
    status: int
    at: float  # time.monotonic()
    headers: dict[str, str]


Route = Callable[[str, dict[str, str]], Reply]  # (path with query, request headers) -> reply


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a killed crawler, a cancelled download) is no server error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class LoopbackServer:
    def __init__(self, route: Route, port: int = 0) -> None:
        """port: the one to prefer (stable URLs across demo runs); when it is busy, any free one."""
        self.route = route
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        try:
            self._server = _QuietServer(("127.0.0.1", port), self._handler())
        except OSError:
            self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "LoopbackServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests_to(self, path: str) -> list[Seen]:
        """Requests whose path (query string included) starts with path."""
        return [s for s in self.log if s.path.startswith(path)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = server.route(self.path, headers)
                with server._lock:
                    server.log.append(Seen(self.path, reply.status, time.monotonic(), headers))
                if reply.delay:
                    time.sleep(reply.delay)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the crawler hung up
                    self._send(reply)

            def _send(self, reply: Reply) -> None:
                body = reply.body
                self.send_response(reply.status)
                # A 304 has no body: no type and no length (RFC 9110 8.6, 15.4.5).
                if reply.status != 304:
                    self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                length = len(body) if isinstance(body, bytes) else reply.length
                if length is not None and reply.status != 304:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                for chunk in [body] if isinstance(body, bytes) else body:
                    self.wfile.write(chunk)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

