"""Nothing reads the time of day outside the one clock (storage/clock.py).

A test that passes today and fails next month is a defect: behaviour takes its time from the
injected clock (`AppDeps.clock`) and is handed `now`. Calls are read with `ast`, resolving
import aliases (`import datetime as dt`, `from time import time as wall`), so each form of a
wall-clock read is caught. Durations (`time.monotonic`, `time.perf_counter`) are fine.
`bot.fakeslack` stands in for Slack's servers, whose clock is the real one, and is exempt.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")
CLOCK_MODULE = "storage/clock.py"
EXEMPT = ("bot/fakeslack/",)

# Reads of the system's time of day, by qualified name.
WALL_CLOCK = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
        "time.localtime",
        "time.gmtime",
        "time.ctime",
        "time.asctime",
        "time.strftime",
        "time.clock_gettime",
        "time.clock_gettime_ns",
        "sqlalchemy.func.now",
        "sqlalchemy.func.current_timestamp",
        "sqlalchemy.sql.func.now",
        "sqlalchemy.sql.func.current_timestamp",
    }
)
# The clock's own reading of the system time, and the only places allowed to use it.
SYSTEM_NOW = "storage.clock.system_now"
SYSTEM_NOW_ALLOWED = {
    "bot/deps.py": "a running bot's default clock",
    "bot/doctor.py": "the skew check compares the real time with Slack's",
}
# And, in storage, as a column's `default=` or `onupdate=`: a fallback for rows written without a time.
COLUMN_DEFAULTS = ("storage/", "sqlalchemy.orm.mapped_column", ("default", "onupdate"))


@dataclass(frozen=True)
class Read:
    path: str
    line: int
    name: str


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> qualified name, for every import in the module (wherever it stands)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])


def wall_clock_reads(source: str, path: str) -> Iterator[Read]:
    """Every wall-clock read in `source`: a use of one of WALL_CLOCK or of the clock's system_now.

    Uses, not only calls: `default=datetime.now` or `clock or time.time` read it just the same.
    """
    tree = ast.parse(source, filename=path)
    aliases = _aliases(tree)
    column_defaults = _column_defaults(tree, aliases) if path.startswith(COLUMN_DEFAULTS[0]) else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            name = _qualified(node, aliases)
            allowed = path in SYSTEM_NOW_ALLOWED or id(node) in column_defaults
            if name in WALL_CLOCK or (name == SYSTEM_NOW and not allowed):
                yield Read(path, node.lineno, name)


def _column_defaults(tree: ast.AST, aliases: dict[str, str]) -> set[int]:
    """The nodes given as a column's default or onupdate (by id)."""
    _, column, keywords = COLUMN_DEFAULTS
    return {
        id(keyword.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _qualified(node.func, aliases) == column
        for keyword in node.keywords
        if keyword.arg in keywords
    }


def scanned_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative != CLOCK_MODULE and not relative.startswith(EXEMPT):
                files.append(path)
    return files


def test_nothing_reads_the_wall_clock_outside_the_one_clock() -> None:
    found = sorted(
        {
            read
            for path in scanned_files()
            for read in wall_clock_reads(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
        },
        key=lambda r: (r.path, r.line),
    )
    report = "\n".join(f"  {r.path}:{r.line}: {r.name}" for r in found)
    assert not found, (
        "the time of day is read outside storage/clock.py; take `now` from the injected clock "
        f"(AppDeps.clock) or from the caller instead:\n{report}"
    )


def test_every_package_is_scanned() -> None:
    """If a package moved, the scan would pass on nothing."""
    scanned = {p.relative_to(ROOT).parts[0] for p in scanned_files()}
    assert scanned == set(PACKAGES)
    assert (ROOT / CLOCK_MODULE).is_file()
    assert all((ROOT / allowed).is_file() for allowed in SYSTEM_NOW_ALLOWED)


def test_the_scanner_sees_every_form_of_a_wall_clock_read() -> None:
    source = (
        "import datetime as dt\n"
        "import time\n"
        "from datetime import date, datetime as DT\n"
        "from time import time_ns as ns\n"
        "from sqlalchemy import func\n"
        "from storage.clock import system_now\n"
        "a = dt.datetime.now(dt.UTC)\n"
        "b = DT.utcnow()\n"
        "c = date.today()\n"
        "d = time.time()\n"
        "e = ns()\n"
        "f = dt.date.today()\n"
        "def late(clock=None):\n"
        "    import datetime\n"
        "    return clock or datetime.datetime.now\n"
        "g = func.now()\n"
        "h = system_now()\n"
        "ok = time.monotonic() + time.perf_counter()\n"
        "also_ok = dt.datetime.fromisoformat('2026-12-31T00:00:00+00:00')\n"
    )
    reads = list(wall_clock_reads(source, "bot/probe.py"))
    assert sorted(r.line for r in reads) == [7, 8, 9, 10, 11, 12, 15, 16, 17]
    assert {r.name for r in reads} >= {"datetime.datetime.now", "time.time_ns", "storage.clock.system_now"}
    allowed = "from storage.clock import system_now\nx = system_now()\n"
    assert not list(wall_clock_reads(allowed, "bot/deps.py"))


def test_storage_may_use_the_system_time_only_as_a_column_default() -> None:
    source = (
        "from sqlalchemy.orm import mapped_column\n"
        "from storage.clock import system_now\n"
        "a = mapped_column(default=system_now)\n"
        "b = mapped_column(default=system_now, onupdate=system_now)\n"
        "c = mapped_column(server_default=system_now)\n"
        "d = system_now()\n"
        "e = mapped_column(default=lambda: system_now())\n"
    )
    assert sorted(r.line for r in wall_clock_reads(source, "storage/probe.py")) == [5, 6, 7]
    assert sorted(r.line for r in wall_clock_reads(source, "bot/probe.py")) == [3, 4, 4, 5, 6, 7]
