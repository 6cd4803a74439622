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
imported. So there are two kinds of server. One imports the whole application, for the
operator's commands; the other (for `pmpulse run`, which sets that variable, and any command
given it) imports the libraries and those parts of pmpulse that do not import prometheus_client,
and checks it did not. `tempfile` looks at TMPDIR again and the C library at TZ in every
command. Tests about the interpreter's own start-up (the import time of `--help`, a closed
stdout at exit) run the console script with `subprocess` themselves.

A process and its children share the servers: the owner (in a pytest run its main process,
xdist's controller or the one process of `-n 0`, see tests/conftest.py; otherwise the first
process here to need a server) names a directory and its own pid (SHARED_DIR, SHARED_OWNER,
`share_with_children`). The first process to need a server starts it there, under a lock, and
it lives until the owner has ended.

A long-running command (`pmpulse run --http`, a drain killed halfway) is started with `popen`,
which answers like `subprocess.Popen`: its pid (in a session of its own if asked, so that
`os.killpg` reaches its workers), signals, `poll`, `wait` and `communicate`.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The operator's commands: the whole application.
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
# `pmpulse run` and any command given METRICS_DIR: everything up to prometheus_client, not it.
RUN_PRELOAD = (
    "bot.cli",
    "bot.runtime",
    "bot.deps",
    "storage.db",
    "alembic.command",
    "apscheduler.jobstores.sqlalchemy",
    "apscheduler.schedulers.background",
    "gunicorn.app.base",
    "gunicorn.arbiter",
    "gunicorn.workers.gthread",
    "psycopg",
    "requests",
    "slack_bolt",
    "slack_bolt.adapter.wsgi",
    "slack_sdk",
    "sqlalchemy.orm",
)
_HEADER = struct.Struct("!I")
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # read once, when prometheus_client is first imported
SHARED_DIR = "PMPULSE_TEST_WARM_DIR"  # where the servers' sockets are, for a process and its children
SHARED_OWNER = "PMPULSE_TEST_WARM_OWNER"  # the pid of the process that named it: the servers end after it


def share_with_children() -> Callable[[], None]:
    """Make this process the owner of the warm servers it and its children start (a directory for
    their sockets and this pid, in the environment); returns what removes the directory."""
    directory = tempfile.mkdtemp(prefix="pmpulse-warm-")
    os.environ[SHARED_DIR] = directory
    os.environ[SHARED_OWNER] = str(os.getpid())
    return lambda: shutil.rmtree(directory, ignore_errors=True)


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
    """`lifeline`: a pidfd of the owner, readable once that process has ended."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # waiters are reaped as they end
    while True:
        ready, _, _ = select.select([listener, lifeline], [], [])
        if lifeline in ready:  # the owner has gone
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
    settled, started = os.pipe()  # closed by the command once it is in its session
    pid = os.fork()
    if pid == 0:
        connection.close()
        os.close(settled)
        if request.get("session"):
            os.setsid()  # as Popen(start_new_session=True), before Popen returns
        os.close(started)
        _run_command(request, fds)  # never returns
    os.close(started)
    os.read(settled, 1)  # end of file: the command's session is set up
    os.close(settled)
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
    """The server: `python -m tests.support.warm SOCKET_PATH [run]`, stopped once the process
    SHARED_OWNER names has ended."""
    import importlib

    for_run = sys.argv[2:] == ["run"]
    lifeline = os.pidfd_open(int(os.environ[SHARED_OWNER]))
    for name in RUN_PRELOAD if for_run else PRELOAD:
        importlib.import_module(name)
    if for_run and "prometheus_client" in sys.modules:
        raise SystemExit("the server for `pmpulse run` imported prometheus_client: it must not")
    _warm_up_the_orm()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)
    print("ready", flush=True)
    _serve(listener, lifeline)


def _text(file: Any) -> str:
    """What `subprocess.run(..., text=True)` makes of the bytes: locale encoding, universal newlines."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read())).read()


# -- the client ---------------------------------------------------------------------------------


class WarmStarter:
    """One server per kind, started on first use by whichever process sharing it needs it first."""

    def __init__(self, *, for_run: bool = False) -> None:
        self._for_run = for_run
        self._kind = "run" if for_run else "cli"
        self._lock = threading.Lock()
        self._started: list[subprocess.Popen[bytes]] = []  # by this process; they outlive it

    def _socket_path(self) -> str:
        with self._lock:
            if not os.environ.get(SHARED_DIR):
                atexit.register(share_with_children())
            directory = Path(os.environ[SHARED_DIR])
            path = str(directory / f"{self._kind}.socket")
            with open(directory / f"{self._kind}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one process starts it; the others wait for it
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    try:
                        probe.connect(path)
                        return path
                    except OSError:  # not started yet, or it has ended
                        pass
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                self._started.append(self._start_server(path))
                return path

    def _start_server(self, path: str) -> subprocess.Popen[bytes]:
        root = Path(__file__).resolve().parents[2]
        # Each command gets its own environment; only what imports read is the server's.
        clean = {k: v for k, v in os.environ.items() if k != METRICS_DIR}
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.support.warm", path, *(["run"] if self._for_run else [])],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            cwd=root,
            env={
                **clean,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(root), clean.get("PYTHONPATH")])),
            },
        )
        assert server.stdout is not None
        line = server.stdout.readline()
        server.stdout.close()  # it writes nothing more
        if line.strip() != b"ready":
            raise RuntimeError(f"the warm pmpulse server did not start: {line!r}")
        return server

    def run(
        self, argv: list[str], *, env: dict[str, str], timeout: float, umask: int = -1
    ) -> subprocess.CompletedProcess[str]:
        """`argv` run to its end, like `subprocess.run(argv, env=env, capture_output=True, text=True)`."""
        with (
            tempfile.TemporaryFile() as out,
            tempfile.TemporaryFile() as err,
            open(os.devnull, "rb") as stdin,
        ):
            connection = self._start(argv, env, [stdin.fileno(), out.fileno(), err.fileno()], umask=umask)
            with connection:
                connection.settimeout(timeout)
                pid = _recv_json(connection)["pid"]
                try:
                    returncode = _recv_json(connection)["returncode"]
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(argv, timeout) from None
            return subprocess.CompletedProcess(argv, returncode, _text(out), _text(err))

    def popen(
        self,
        argv: list[str],
        *,
        env: dict[str, str],
        stdout: Any = None,
        stderr: Any = None,
        umask: int = -1,
        start_new_session: bool = False,
    ) -> WarmProcess:
        """`argv` started, like `subprocess.Popen(argv, env=env, stdout=…, stderr=…, text=True)`:
        `stdout` and `stderr` are None (the test process's), PIPE, a file, or for stderr STDOUT."""
        opened: list[int] = []  # this process's copies of what the command writes to, closed once sent
        pipes: dict[str, Any] = {}

        def target(name: str, given: Any, inherited: int) -> int:
            if given is None:
                return inherited
            if given == subprocess.PIPE:
                read, write = os.pipe()
                pipes[name] = io.TextIOWrapper(io.FileIO(read, "r"))
                opened.append(write)
                return write
            return given if isinstance(given, int) else int(given.fileno())

        stdin = os.open(os.devnull, os.O_RDONLY)
        opened.append(stdin)
        out = target("stdout", stdout, 1)
        err = out if stderr == subprocess.STDOUT else target("stderr", stderr, 2)
        try:
            connection = self._start(argv, env, [stdin, out, err], umask=umask, session=start_new_session)
        finally:
            for fd in opened:
                os.close(fd)
        pid = _recv_json(connection)["pid"]
        return WarmProcess(argv, pid, connection, pipes.get("stdout"), pipes.get("stderr"))

    def _start(
        self, argv: list[str], env: dict[str, str], fds: list[int], *, umask: int, session: bool = False
    ) -> socket.socket:
        path = self._socket_path()
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
            request = {
                "argv": argv,
                "env": env,
                "cwd": os.getcwd(),
                "umask": None if umask < 0 else umask,
                "session": session,
            }
            _send_json(connection, request, fds)
        except BaseException:
            connection.close()
            raise
        return connection


class WarmProcess:
    """A started command, answering as much of `subprocess.Popen` as the tests use."""

    def __init__(
        self, args: list[str], pid: int, connection: socket.socket, stdout: Any, stderr: Any
    ) -> None:
        self.args = args
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._connection = connection
        self._read: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}

    def poll(self) -> int | None:
        if self.returncode is None:
            ready, _, _ = select.select([self._connection], [], [], 0)
            if ready:
                self._collect(None)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._collect(timeout)
        assert self.returncode is not None
        return self.returncode

    def _collect(self, timeout: float | None) -> None:
        self._connection.settimeout(timeout)
        try:
            self.returncode = int(_recv_json(self._connection)["returncode"])
        except TimeoutError:
            raise subprocess.TimeoutExpired(self.args, timeout or 0) from None
        self._connection.close()

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[str | None, str | None]:
        """What the pipes held until they closed, then the exit; TimeoutExpired keeps what was read."""
        deadline = None if timeout is None else time.monotonic() + timeout
        streams = {
            name: s for name, s in (("stdout", self.stdout), ("stderr", self.stderr)) if s and not s.closed
        }
        while streams:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select(list(streams.values()), [], [], left)
            if not ready:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            for name, stream in list(streams.items()):
                if stream in ready:
                    chunk = os.read(stream.fileno(), 65536)
                    if chunk:
                        self._read[name] += chunk
                    else:
                        stream.close()
                        del streams[name]
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return tuple(  # type: ignore[return-value]
            io.TextIOWrapper(io.BytesIO(bytes(self._read[name]))).read() if stream is not None else None
            for name, stream in (("stdout", self.stdout), ("stderr", self.stderr))
        )

    def __enter__(self) -> WarmProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wait()


if __name__ == "__main__":
    main()
