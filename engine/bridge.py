"""Handshake bridge between the official `elasticsearch` 8.x client and an OpenSearch node.

The 8.x client sends `compatible-with=8` media types and refuses servers whose responses lack
`X-Elastic-Product: Elasticsearch`. OpenSearch predates both. This proxy rewrites exactly those
two things and forwards everything else unchanged. It is test and development tooling only:
a real Elasticsearch 8/9 cluster needs no bridge.

    python engine/bridge.py --listen 9282 --upstream 9283
"""

import argparse
import http.client
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+(json|x-ndjson)\s*;\s*compatible-with=\d+")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def plain_media_type(value: str) -> str:
    return _COMPAT.sub(lambda m: f"application/{m.group(1)}", value)


def make_handler(upstream_port: int) -> type[BaseHTTPRequestHandler]:
    class Bridge(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle plus delayed ACK adds 40 ms.
        disable_nagle_algorithm = True

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: plain_media_type(v) if k.lower() in ("accept", "content-type") else v
                       for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP and k.lower() != "host"}
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=300)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
            except OSError as exc:
                self.send_error(502, f"engine unreachable: {exc}")
                return
            finally:
                upstream.close()
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Bridge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.listen), make_handler(args.upstream))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
