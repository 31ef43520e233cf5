"""The desk's end of the live event stream (``GET /v1/sync/events``, Server-Sent Events).

:class:`ChangeStream` is a thread that keeps one stream open and calls ``on_news`` when
the server says changes up to some seq are available: at every (re)connect (so a desk
that slept, lost the network or saw the server restart pulls at once and misses
nothing) and for every later ``changes`` event. It reconnects with backoff when the
stream breaks or the server is unreachable (the worker keeps polling meanwhile), treats
``HEARTBEAT_TIMEOUT`` seconds of silence as a broken stream (the server sends a comment
every 15 s), and ends for good on 401/403 (the worker's next sync asks for a login).
Qt-free; httpx is imported lazily.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from desktop.sync.backoff import Backoff, parse_retry_after

HEARTBEAT_TIMEOUT = 45.0
EVENTS_PATH = "/v1/sync/events"


def read_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event name, data) for each complete event in SSE ``lines``; comments skipped."""
    name = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if key == "event":
            name = value
        elif key == "data":
            data.append(value)


def event_seq(data: str) -> int | None:
    """The ``seq`` of a ``changes`` event's data, None when unreadable."""
    try:
        value = json.loads(data)
    except ValueError:
        return None
    seq = value.get("seq") if isinstance(value, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0 else None


class ChangeStream:
    """One live stream to ``base_url`` with ``token``; see the module doc."""

    def __init__(
        self,
        base_url: str,
        token: str,
        on_news: Callable[[int, bool], None],
        *,
        backoff: Backoff | None = None,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
        on_state: Callable[[bool], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.on_news = on_news  # (seq, first event of a new connection)
        self.on_state = on_state
        self.backoff = backoff or Backoff(base=1.0, cap=60.0)
        self.heartbeat_timeout = heartbeat_timeout
        self.refused = False  # the server refused the token: ended for good
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._client: Any = None
        self._socket: Any = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="doorloop-events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """End the stream now (closing the connection ends a blocking read at once)."""
        self._stop.set()
        with self._lock:
            client, sock = self._client, self._socket
        if sock is not None:  # a blocked read ends only when its socket shuts down
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _set_connected(self, value: bool) -> None:
        if value != self.connected.is_set():
            (self.connected.set if value else self.connected.clear)()
            if self.on_state is not None:
                self.on_state(value)

    def _lines(self, response: Any) -> Iterator[str]:
        for line in response.iter_lines():
            if self._stop.is_set():
                return
            yield line

    def _run(self) -> None:
        import httpx

        attempt = 0
        while not self._stop.is_set():
            retry_after: float | None = None
            client = httpx.Client(
                base_url=self.base_url,
                timeout=httpx.Timeout(10.0, read=self.heartbeat_timeout),
                headers={"User-Agent": "doorloop-desk", "Accept": "text/event-stream"},
            )
            with self._lock:
                self._client = client
            try:
                with client.stream(
                    "GET", EVENTS_PATH, headers={"Authorization": f"Bearer {self.token}"}
                ) as response:
                    status = response.status_code
                    stream = response.extensions.get("network_stream")
                    with self._lock:
                        self._socket = stream.get_extra_info("socket") if stream else None
                    if self._stop.is_set():
                        return
                    if status in (401, 403):
                        self.refused = True
                        return
                    if status != 200:
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                        raise httpx.HTTPStatusError("stream", request=None, response=response)  # type: ignore[arg-type]
                    first = True
                    for name, data in read_events(self._lines(response)):
                        if name != "changes":
                            continue
                        seq = event_seq(data)
                        if seq is None:
                            continue
                        if first:
                            attempt = 0
                            self._set_connected(True)
                        self.on_news(seq, first)
                        first = False
            except Exception:
                pass  # a lost stream is normal (sleep, network, restart): reconnect below
            finally:
                with self._lock:
                    self._client = self._socket = None
                client.close()
                self._set_connected(False)
            if self._stop.wait(self.backoff.delay(attempt, retry_after)):
                return
            attempt += 1
