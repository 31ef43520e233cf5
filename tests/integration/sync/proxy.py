"""A fault-injecting HTTP/1.1 proxy on loopback for the sync tests.

It forwards one request at a time per client connection to the real server and, as
its ``policy`` decides per request, drops the request, drops the answer after the
server committed, resets the connection, cuts the answer short, or delays it.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Fault = Literal["drop_request", "drop_response", "reset", "truncate", "delay", "hold"]
Policy = Callable[[str, str], Fault | None]


def _read_message(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """One HTTP message (headers + Content-Length body) from ``sock``; None at EOF."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    end = buffer.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buffer[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked messages are not supported by this proxy")
    while len(buffer) < end + length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    message = bytes(buffer[: end + length])
    del buffer[: end + length]
    return message


def random_policy(
    rate: float, seed: int = 1, *, delay_share: float = 0.2, paths: tuple[str, ...] = ("/v1/sync",)
) -> Policy:
    """Faults on ``rate`` of the requests whose path starts with one of ``paths``."""
    rng = random.Random(seed)
    lock = threading.Lock()
    kinds: list[Fault] = ["drop_request", "drop_response", "reset", "truncate"]

    def policy(method: str, path: str) -> Fault | None:
        if not path.startswith(paths):
            return None
        with lock:
            if rng.random() >= rate:
                return None
            if rng.random() < delay_share:
                return "delay"
            return rng.choice(kinds)

    return policy


@dataclass
class FaultProxy:
    upstream_port: int
    policy: Policy = field(default=lambda method, path: None)
    delay: float = 0.3
    port: int = 0
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, path_prefix: str, fault: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for _m, path, f in self.requests
                if path.startswith(path_prefix) and (fault is None or f == fault)
            )

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        client_buf, upstream_buf = bytearray(), bytearray()
        try:
            while True:
                request = _read_message(client, client_buf)
                if request is None:
                    return
                first = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
                method, path = first[0], first[1] if len(first) > 1 else "/"
                fault = self.policy(method, path)
                with self._lock:
                    self.requests.append((method, path, fault or "ok"))
                if fault == "drop_request":
                    return
                if fault == "reset":
                    _reset(client)
                    return
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                upstream.sendall(request)
                response = _read_message(upstream, upstream_buf)
                if response is None:
                    return
                with self._lock:
                    self.answered.append(path)
                if fault == "drop_response":
                    return
                if fault == "truncate":
                    client.sendall(response[: max(1, len(response) // 2)])
                    return
                if fault == "delay":
                    time.sleep(self.delay)
                if fault == "hold":  # the server committed; the answer never comes
                    self._closed.wait()
                    return
                client.sendall(response)
        except (OSError, ValueError):
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
