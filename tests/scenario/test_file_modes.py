"""The SQLite database holds bot tokens (OAuth mode) and private notes: only its owner may read it.

Run as an operator would, under the common umask 022 that leaves new files world-readable.
"""

from __future__ import annotations

import signal
import stat
import subprocess
import time
from pathlib import Path

import requests

from bot.fakeslack import FakeSlack
from tests.support.cli import cli_environment, free_port, pmpulse, pmpulse_started

OPERATOR_UMASK = 0o022


def sqlite_env(fake: FakeSlack, database: Path) -> dict[str, str]:
    return cli_environment(fake, f"sqlite:///{database}")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_db_upgrade_creates_the_database_owner_only(tmp_path: Path, fake: FakeSlack) -> None:
    database = tmp_path / "pmpulse.db"
    done = pmpulse(sqlite_env(fake, database), "db", "upgrade", umask=OPERATOR_UMASK)
    assert done.returncode == 0, done.stderr
    assert mode(database) == 0o600


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path, fake: FakeSlack) -> None:
    database = tmp_path / "pmpulse.db"
    database.touch()
    database.chmod(0o644)
    done = pmpulse(sqlite_env(fake, database), "db", "upgrade", umask=OPERATOR_UMASK)
    assert done.returncode == 0, done.stderr
    assert mode(database) == 0o600


def test_a_running_bot_keeps_database_wal_shm_and_lock_owner_only(tmp_path: Path, fake: FakeSlack) -> None:
    database = tmp_path / "pmpulse.db"
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}.scheduler-lock")]
    port = free_port()
    process = pmpulse_started(
        {**sqlite_env(fake, database), "PORT": str(port)},
        "run",
        "--http",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        umask=OPERATOR_UMASK,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                healthy = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                healthy = False
            if healthy and all(path.exists() for path in files):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"missing {[p.name for p in files if not p.exists()]}: "
                    f"{process.communicate(timeout=5)[0] if process.poll() is not None else ''}"
                )
            time.sleep(0.1)
        assert {path.name: oct(mode(path)) for path in files} == {path.name: "0o600" for path in files}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
