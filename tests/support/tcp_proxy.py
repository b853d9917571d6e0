"""A loopback TCP proxy in front of PostgreSQL that can lose the reply to a COMMIT (SECURITY J5: "drop the TCP
connection after COMMIT is sent, before the reply").

It forwards bytes both ways and reads the frontend (client -> server) side of the PostgreSQL wire protocol just enough
to see which transaction is which: the untyped startup packets (SSLRequest, GSSENCRequest, StartupMessage), then
typed messages (one type byte, a 4-byte length). A transaction is "marked" when a simple Query or a Parse carries the
armed marker (say `INSERT INTO queue_signatures`), or a Bind uses a statement prepared from one. When an armed cut is
due and the client sends `COMMIT` in a marked transaction, the proxy forwards the COMMIT, waits until the server
answers it (so the commit certainly happened), swallows that answer and closes both sides: the client sees its
connection break with the outcome unknown, exactly the case a retry with an idempotency key must handle.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


@dataclass
class Cut:
    marker: bytes
    at: float
    answer: bytes  # what the server answered to the COMMIT, never delivered


@dataclass
class _Link:
    client: socket.socket
    server: socket.socket
    marked: bool = False
    prepared: dict[bytes, bytes] = field(default_factory=dict)  # statement name -> its query
    cutting: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.closed.set()
        for sock in (self.client, self.server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class CommitCuttingProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._armed: list[bytes] = []
        self.cuts: list[Cut] = []
        self.commits = 0
        self._links: list[_Link] = []
        self._stopped = False
        threading.Thread(target=self._accept, name="pg-proxy-accept", daemon=True).start()

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def arm(self, marker: bytes, times: int = 1) -> None:
        """Cut the next `times` COMMITs of transactions that sent `marker`."""
        with self._lock:
            self._armed.extend([marker] * times)

    def disarm(self) -> None:
        with self._lock:
            self._armed.clear()

    @property
    def armed(self) -> int:
        with self._lock:
            return len(self._armed)

    def close(self) -> None:
        self._stopped = True
        self._listener.close()
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()

    # -- plumbing ---------------------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self._upstream, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            for sock in (client, server):  # small messages, one round trip each: no Nagle delay
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, server)
            with self._lock:
                self._links.append(link)
            threading.Thread(target=self._frontend, args=(link,), daemon=True).start()
            threading.Thread(target=self._backend, args=(link,), daemon=True).start()

    def _backend(self, link: _Link) -> None:
        """server -> client, except the answer to a COMMIT being cut."""
        try:
            while not link.closed.is_set():
                data = link.server.recv(65536)
                if not data:
                    break
                if link.cutting.is_set():
                    self.cuts[-1].answer = data
                    break
                link.client.sendall(data)
        except OSError:
            pass
        link.close()

    def _frontend(self, link: _Link) -> None:
        """client -> server, one protocol message at a time."""
        try:
            while True:  # the untyped startup packets
                head = _read(link.client, 4)
                body = _read(link.client, struct.unpack("!I", head)[0] - 4)
                link.server.sendall(head + body)
                code = struct.unpack("!I", body[:4])[0]
                if code == CANCEL_REQUEST:
                    return
                if code not in (SSL_REQUEST, GSSENC_REQUEST):
                    break
            while not link.closed.is_set():
                kind = _read(link.client, 1)
                head = _read(link.client, 4)
                body = _read(link.client, struct.unpack("!I", head)[0] - 4)
                if self._observe(link, kind, body):
                    return
                link.server.sendall(kind + head + body)
        except (OSError, EOFError):
            pass
        link.close()

    def _observe(self, link: _Link, kind: bytes, body: bytes) -> bool:
        """Track the transaction; True when this message is a COMMIT that was forwarded and is being cut."""
        with self._lock:
            markers = list(self._armed)
        if kind == b"Q":
            query = body.rstrip(b"\0").strip().upper()
            if any(m.upper() in query for m in markers):
                link.marked = True
            if query.startswith(b"COMMIT"):
                self.commits += 1
                due = None
                if link.marked:
                    with self._lock:
                        due = next((m for m in self._armed), None)
                        if due is not None:
                            self._armed.remove(due)
                link.marked = False
                if due is not None:
                    self.cuts.append(Cut(due, time.time(), b""))
                    link.cutting.set()  # before the COMMIT leaves: whatever the server says next is its answer
                    link.server.sendall(kind + struct.pack("!I", len(body) + 4) + body)
                    link.closed.wait(10)
                    return True
            elif query.startswith(b"ROLLBACK"):
                link.marked = False
        elif kind == b"P":
            name, _, rest = body.partition(b"\0")
            query = rest.partition(b"\0")[0].upper()
            if name:
                link.prepared[name] = query
            if any(m.upper() in query for m in markers):
                link.marked = True
        elif kind == b"B":  # a statement prepared earlier (psycopg prepares what a connection runs often)
            _portal, _, rest = body.partition(b"\0")
            query = link.prepared.get(rest.partition(b"\0")[0], b"")
            if any(m.upper() in query for m in markers):
                link.marked = True
        return False


def _read(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
