"""HTTP plumbing for the fake Slack: body parsing and the threaded server.

slack_sdk sends form-encoded, JSON or multipart bodies (JSON-encoded strings for
``blocks``/``view`` in forms); this module turns all of them into one params dict
and keeps socket handling away from the Slack logic in ``server.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs

__all__ = ["JSON_FIELDS", "Reply", "Server", "StopsAtOnce", "json_reply", "normalize", "parse_body"]

Json = dict[str, Any]
# Fields slack_sdk sends as JSON-encoded strings in form bodies; parsed back for assertions.
JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata", "unfurls", "outputs")


@dataclass
class Reply:
    """What to answer; the fake decides, the handler only writes it."""

    status: int
    body: bytes | None  # None: close the socket without answering
    headers: dict[str, str]
    delay: float = 0.0  # seconds to hold the answer, outside the server's lock


def json_reply(status: int, payload: Json, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def parse_body(content_type: str, body: bytes) -> Json:
    """Decode a JSON, form-encoded or multipart body into a flat params dict."""
    ctype = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if ctype == "application/json":
        parsed = json.loads(body.decode("utf-8"))
        return parsed if isinstance(parsed, dict) else {}
    if ctype == "multipart/form-data":
        msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        params: Json = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                params[name] = payload if part.get_filename() else payload.decode("utf-8")
        return params
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def normalize(params: Json) -> Json:
    out = dict(params)
    for key in JSON_FIELDS:
        value = out.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Unparseable stays a string so validation reports it the way Slack would.
            with contextlib.suppress(ValueError):
                out[key] = json.loads(value)
    return out


Dispatch = Callable[[str, str, dict[str, str], bytes], "Reply"]


class StopsAtOnce(socketserver.TCPServer):
    """A socketserver mixin whose `shutdown()` takes effect at once.

    The standard `serve_forever` notices `shutdown()` only when its `poll_interval` runs out, so
    each stop waits that long; this loop also watches a pipe that `shutdown()` writes to. Test
    suites start and stop a server per test, and that idle wait used to add up to minutes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        self._stop_requested = False
        self._stopped = threading.Event()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_read, selectors.EVENT_READ)
                while not self._stop_requested:
                    ready = selector.select(poll_interval)
                    if self._stop_requested:
                        break
                    if any(key.fileobj is self for key, _ in ready):
                        self._handle_request_noblock()  # type: ignore[attr-defined]  # stdlib, untyped
                    self.service_actions()
        finally:
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_read, 64)  # the wake-up byte: a later serve_forever starts clean
            self._stop_requested = False
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop `serve_forever` (running in another thread) and wait until it has returned."""
        self._stop_requested = True
        os.write(self._wake_write, b"x")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)


class Server(StopsAtOnce, ThreadingHTTPServer):
    """Threaded server whose requests all go to one ``dispatch(verb, path, headers, body)``."""

    daemon_threads = True
    # Slack does not refuse connections: a deep backlog keeps many concurrent clients from being reset.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], dispatch: Dispatch) -> None:
        super().__init__(address, _Handler)
        self.dispatch = dispatch


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _serve(self) -> None:
        server = cast(Server, self.server)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = server.dispatch(self.command, self.path, dict(self.headers.items()), body)
        if reply.body is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()
