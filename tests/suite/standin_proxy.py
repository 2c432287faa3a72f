"""A stand-in HTTP proxy on 127.0.0.1 that keeps what each connection sent it and answers 502.

Enough to see whether the suite sent anything through a proxy, and what: a plain request
(method, absolute URL, headers: everything the proxy could read) or a CONNECT (a tunnel,
whose content the proxy never sees). It forwards nothing.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

REFUSED = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@contextmanager
def standin_proxy() -> Iterator[tuple[str, list[bytes]]]:
    """Yield the proxy's URL and the list of what each connection sent (its head)."""
    received: list[bytes] = []

    class Keep(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = self.request.recv(4096)
                if not chunk:
                    break
                head += chunk
            received.append(head)
            self.request.sendall(REFUSED)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Keep)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
