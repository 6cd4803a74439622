"""`pmpulse` processes forked from one that has already imported pmpulse: the same program in
a process of its own, without paying Python's start-up and pmpulse's imports every time.

A CLI test runs a real process: its own pid, environment, working directory, umask and file
descriptors, its exit status as the shell would see it (a signal included), its stdout and
stderr as bytes written to files. Only the imports are shared: a server process imports the
application once, then, for each command, forks a waiter that forks the command and reports
how it ended. Starting a fresh interpreter costs 1 to 2 s of CPU on a small machine; a fork
costs milliseconds, and most of the suite's CLI tests run dozens of commands.

What a process decides at import time from its environment must be the same as a fresh one
would decide: prometheus_client picks its storage from PROMETHEUS_MULTIPROC_DIR when first
imported, so the server starts without it, and `pmpulse run` (which sets it) and any command
given it start the console script afresh. `tempfile` looks at TMPDIR again and the C library
at TZ in every command. Tests about the interpreter's own start-up (the import time of
`--help`, a closed stdout at exit) run the console script with `subprocess` themselves.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PRELOAD = (
    "bot.cli",
    "bot.runtime",
    "bot.doctor",
    "bot.jobs",
    "bot.services.channels",
    "bot.services.roster",
    "slack_sdk.errors",
    "storage.db",
    "alembic.command",
    "psycopg",
)
_HEADER = struct.Struct("!I")
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # read once, when prometheus_client is first imported


def _send_json(sock: socket.socket, value: Any, fds: list[int] | None = None) -> None:
    data = json.dumps(value).encode()
    message = _HEADER.pack(len(data)) + data
    if fds:
        socket.send_fds(sock, [message], fds)
    else:
        sock.sendall(message)


def _recv_exact(sock: socket.socket, size: int, fds: list[int] | None = None) -> bytes:
    chunks = b""
    while len(chunks) < size:
        if fds is not None and not chunks:
            data, got, _, _ = socket.recv_fds(sock, size, 3)
            fds.extend(got)
        else:
            data = sock.recv(size - len(chunks))
        if not data:
            raise EOFError
        chunks += data
    return chunks


def _recv_json(sock: socket.socket, fds: list[int] | None = None) -> Any:
    header = _recv_exact(sock, _HEADER.size, fds)
    (size,) = _HEADER.unpack(header)
    return json.loads(_recv_exact(sock, size))


# -- the server ---------------------------------------------------------------------------------


def _serve(listener: socket.socket, lifeline: int) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # waiters are reaped as they end
    while True:
        ready, _, _ = select.select([listener, lifeline], [], [])
        if lifeline in ready:  # the test process has gone
            return
        connection, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            os.close(lifeline)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 1
            try:
                _wait_for_command(connection)
                code = 0
            finally:
                os._exit(code)
        connection.close()


def _wait_for_command(connection: socket.socket) -> None:
    fds: list[int] = []
    request = _recv_json(connection, fds)
    pid = os.fork()
    if pid == 0:
        connection.close()
        _run_command(request, fds)  # never returns
    for fd in fds:
        os.close(fd)
    _send_json(connection, {"pid": pid})
    _, status = os.waitpid(pid, 0)
    _send_json(connection, {"returncode": os.waitstatus_to_exitcode(status)})


def _run_command(request: dict[str, Any], fds: list[int]) -> None:
    """As the console script would: `sys.exit(main())`, then the interpreter's exit."""
    code = 1
    try:
        stdin, stdout, stderr = fds
        for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()  # TZ as the command's environment says, as a new process reads it
        os.chdir(request["cwd"])
        if request["umask"] is not None:
            os.umask(request["umask"])
        tempfile.tempdir = None
        sys.argv = list(request["argv"])
        from bot.cli import main

        try:
            code = _exit_code(main(request["argv"][1:]))
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, as at exit
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                code = 120  # as Python exits when it cannot flush stdout
    finally:
        os._exit(code & 0xFF)


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


def _warm_up_the_orm() -> None:
    """What every command's first query would do again: mappers configured, the migrations'
    modules loaded, each mapped class loaded once (SQLAlchemy keeps what it works out per class)."""
    from sqlalchemy import select

    from storage.base import Base
    from storage.db import make_engine, make_session_factory, upgrade

    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{directory}/warm.db")
        upgrade(engine)
        with make_session_factory(engine)() as session:
            for mapper in Base.registry.mappers:
                session.scalars(select(mapper.class_).limit(1)).all()
        engine.dispose()


def main() -> None:
    """The server: `python -m tests.support.warm SOCKET_PATH`, stopped when its stdin closes."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    _warm_up_the_orm()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)
    print("ready", flush=True)
    _serve(listener, sys.stdin.fileno())


def _text(file: Any) -> str:
    """What `subprocess.run(..., text=True)` makes of the bytes: locale encoding, universal newlines."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read())).read()


# -- the client ---------------------------------------------------------------------------------


class WarmStarter:
    """One server per test process, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: subprocess.Popen[bytes] | None = None
        self._path = ""

    def _socket_path(self) -> str:
        with self._lock:
            if self._server is None or self._server.poll() is not None:
                self._remove_directory()  # a server that ended leaves its socket's directory
                directory = tempfile.mkdtemp(prefix="pmpulse-warm-")
                self._path = str(Path(directory) / "socket")
                root = Path(__file__).resolve().parents[2]
                # Each command gets its own environment; only what imports read is the server's.
                clean = {k: v for k, v in os.environ.items() if k != METRICS_DIR}
                self._server = subprocess.Popen(
                    [sys.executable, "-m", "tests.support.warm", self._path],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    cwd=root,
                    env={
                        **clean,
                        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), clean.get("PYTHONPATH")])),
                    },
                )
                assert self._server.stdout is not None
                line = self._server.stdout.readline()
                if line.strip() != b"ready":
                    raise RuntimeError(f"the warm pmpulse server did not start: {line!r}")
            return self._path

    def run(
        self, argv: list[str], *, env: dict[str, str], timeout: float, umask: int = -1
    ) -> subprocess.CompletedProcess[str]:
        """`argv` run to its end, like `subprocess.run(argv, env=env, capture_output=True, text=True)`."""
        if argv[1:2] == ["run"] or env.get(METRICS_DIR):
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, umask=umask)
        path = self._socket_path()
        with (
            tempfile.TemporaryFile() as out,
            tempfile.TemporaryFile() as err,
            open(os.devnull, "rb") as stdin,
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection,
        ):
            connection.connect(path)
            request = {"argv": argv, "env": env, "cwd": os.getcwd(), "umask": None if umask < 0 else umask}
            _send_json(connection, request, [stdin.fileno(), out.fileno(), err.fileno()])
            connection.settimeout(timeout)
            pid = _recv_json(connection)["pid"]
            try:
                returncode = _recv_json(connection)["returncode"]
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired(argv, timeout) from None
            return subprocess.CompletedProcess(argv, returncode, _text(out), _text(err))

    def close(self) -> None:
        """Stops the server (it also stops by itself when this process ends)."""
        with self._lock:
            if self._server is not None:
                assert self._server.stdin is not None
                self._server.stdin.close()
                self._server.wait(timeout=10)
                self._server = None
            self._remove_directory()

    def _remove_directory(self) -> None:
        if self._path:
            shutil.rmtree(os.path.dirname(self._path), ignore_errors=True)
            self._path = ""


if __name__ == "__main__":
    main()
