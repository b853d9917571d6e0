"""Serving a `Devnet` as HTTP JSON-RPC on 127.0.0.1, so that other processes can share it.

POST with `Content-Type: application/json` carries JSON-RPC (single or batch); GET and OPTIONS get a
short answer. Bodies over 4 MiB get 413. Requests must name a loopback host (no DNS rebinding), and
browsers cannot send `application/json` across origins without a preflight this server never grants.
While serving, `endpoint.json` in the state directory tells other processes the URL.

`serve_forever()` blocks until `shutdown()` is called from another thread (or is interrupted, after
which `shutdown()` still cleans up); `shutdown()` also closes open keep-alive connections.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from wallet_app.chain.devnet.endpoint import Endpoint, remove_endpoint, save_endpoint
from wallet_app.chain.devnet.layout import StateLayout
from wallet_app.chain.devnet.node import Devnet
from wallet_app.chain.devnet.rpc import INVALID_REQUEST, PARSE_ERROR, error_response
from wallet_app.errors import DevnetError, PortInUse

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKET = re.compile(rb"[\[\]{}]")
IDLE_TIMEOUT_SECONDS = 30
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})
_INFO = b"Custos devnet: send JSON-RPC 2.0 requests here with POST and Content-Type: application/json.\n"


def _nesting_within(body: bytes, limit: int) -> bool:
    """Whether JSON arrays and objects in `body` nest at most `limit` deep.

    Checked before parsing because eth-account's py_ecc raises Python's recursion limit to 100,000,
    so the JSON decoder would overflow the C stack (and kill the process) on a body like "[[[[...".
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return True
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        depth += 1 if match.group() in b"[{" else -1
        if depth > limit:
            return False
    return True


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, devnet: Devnet) -> None:
        super().__init__((HOST, port), _Handler)
        self.devnet = devnet
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that went away, a connection dropped at shutdown: not worth a traceback on stderr
        log.debug("devnet http: error while serving %s", client_address, exc_info=True)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; don't wait for an ACK
    timeout = IDLE_TIMEOUT_SECONDS
    server_version = "CustosDevnet"

    def do_POST(self) -> None:
        if not self._host_allowed():
            self._reply_error(403, "forbidden host")
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self._reply_error(411, "Content-Length required", close=True)
            return
        try:
            length = int(length_header)
        except ValueError:
            length = -1
        if length < 0:
            self._reply_error(400, "invalid Content-Length", close=True)
            return
        if length > MAX_BODY_BYTES:
            self._reply_error(413, f"request body too large (at most {MAX_BODY_BYTES} bytes)", close=True)
            return
        body = self.rfile.read(length)
        if self.headers.get_content_type() != "application/json":
            self._reply_error(415, "Content-Type must be application/json")
            return
        try:
            if not _nesting_within(body, MAX_JSON_DEPTH):
                raise ValueError("too deeply nested")
            request = json.loads(body)
        except (ValueError, RecursionError):
            self._reply(200, error_response(None, PARSE_ERROR, "parse error"))
            return
        self._reply(200, self.server.devnet.handle(request))

    def do_GET(self) -> None:
        self._send(200, "text/plain; charset=utf-8", _INFO)

    def do_OPTIONS(self) -> None:
        self._send(200, "text/plain; charset=utf-8", _INFO, allow="POST, GET, OPTIONS")  # no CORS grant

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("devnet http %s: " + format, self.address_string(), *args)

    def _host_allowed(self) -> bool:
        host = self.headers.get("Host")
        if host is None:
            return True
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return name.lower() in _LOOPBACK_NAMES

    def _reply_error(self, status: int, message: str, *, close: bool = False) -> None:
        if close:
            self.close_connection = True
        self._reply(status, error_response(None, INVALID_REQUEST, message))

    def _reply(self, status: int, payload: object) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self._send(status, "application/json", body)

    def _send(self, status: int, content_type: str, body: bytes, *, allow: str | None = None) -> None:
        self.send_response(status)
        if allow is not None:
            self.send_header("Allow", allow)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class DevnetServer:
    def __init__(self, *, httpd: _HttpServer, layout: StateLayout, url: str) -> None:
        self._httpd = httpd
        self._layout = layout
        self._state = threading.Lock()
        self._serving = False
        self._stopped = False
        self.url = url

    def serve_forever(self) -> None:
        """Answer requests until `shutdown()`; returns at once if already shut down."""
        with self._state:
            if self._stopped or self._serving:
                return
            self._serving = True
        try:
            self._httpd.serve_forever(poll_interval=0.1)
        finally:
            with self._state:
                self._serving = False

    def shutdown(self) -> None:
        """Stop serving, close connections and the socket, remove `endpoint.json`. Idempotent."""
        with self._state:
            if self._stopped:
                return
            self._stopped = True
            serving = self._serving
        if serving:
            self._httpd.shutdown()  # waits for serve_forever's loop to end
        self._httpd.drop_connections()
        self._httpd.server_close()
        remove_endpoint(self._layout, os.getpid())

    def __enter__(self) -> DevnetServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def serve_devnet(devnet: Devnet, port: int = 0) -> DevnetServer:
    """Listen on 127.0.0.1:`port` (0: any free port) and announce it in `endpoint.json`.

    PortInUse if the port is taken. Call `serve_forever()` on the result to answer requests.
    """
    if devnet.closed:
        raise DevnetError("The devnet is closed.")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError("port must be an integer from 0 to 65535")
    try:
        httpd = _HttpServer(port, devnet)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"Port {port} on {HOST} is already in use.") from exc
        raise DevnetError(f"Cannot listen on {HOST}:{port}: {exc.strerror or exc}.") from exc
    url = f"http://{HOST}:{httpd.server_address[1]}"
    layout = StateLayout(Path(devnet.state_dir))
    try:
        save_endpoint(layout, Endpoint(url, os.getpid()))
    except BaseException:
        httpd.server_close()
        raise
    return DevnetServer(httpd=httpd, layout=layout, url=url)
