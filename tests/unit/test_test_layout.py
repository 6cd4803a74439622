"""The tests' own layering: a test module imports what tests share from `tests.support`, never
from another test module or a conftest, and gets fixtures from conftest through pytest.

A helper defined in a test module and imported elsewhere turns that module into a library whose
tests run again wherever it is imported, and hides what a test depends on. Shared helpers live in
`tests/support`; everything else under `tests/` is a test module, a conftest or a package marker.
Imports are read with `ast`, including relative ones and those inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SUPPORT = "tests.support"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(source: str, module: str, *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) for each import in `source`; `from a import b` yields `a.b` (b may be a module)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def is_test_code(name: str) -> bool:
    return name == "tests" or name.startswith("tests.")


def within_support(name: str) -> bool:
    return name == SUPPORT or name.startswith(SUPPORT + ".")


def violations(source: str, module: str, path: str, *, is_package: bool = False) -> list[str]:
    """Imports of test code other than tests.support (a test module, a conftest, a stray helper)."""
    return [
        f"{path}:{line} imports {name}: import shared helpers from tests.support"
        for line, name in imported(source, module, is_package=is_package)
        if is_test_code(name) and not within_support(name)
    ]


def test_test_modules_import_only_tests_support_from_the_tests() -> None:
    found = []
    scanned = set()
    for path in sorted(TESTS.rglob("*.py")):
        scanned.add(module_name(path))
        found += violations(
            path.read_text(encoding="utf-8"),
            module_name(path),
            path.relative_to(ROOT).as_posix(),
            is_package=path.name == "__init__.py",
        )
    assert {
        "tests.conftest",
        "tests.scenario.conftest",
        "tests.scenario.test_status",
        "tests.support.slack",
    } <= scanned
    assert found == []


def test_helpers_live_in_tests_support() -> None:
    """Outside tests/support, every file is a test module, a conftest or a package marker."""
    strays = sorted(
        path.relative_to(ROOT).as_posix()
        for path in TESTS.rglob("*.py")
        if not path.is_relative_to(TESTS / "support")
        and not path.name.startswith("test_")
        and path.name not in ("conftest.py", "__init__.py")
    )
    assert strays == []


def test_an_import_of_another_test_module_is_caught_in_every_form() -> None:
    module, path = "tests.scenario.test_probe", "tests/scenario/test_probe.py"
    caught = {
        "from tests.scenario.test_status import WEEK\n": "tests.scenario.test_status.WEEK",
        "import tests.unit.test_clock\n": "tests.unit.test_clock",
        "from tests.scenario import test_goals\n": "tests.scenario.test_goals",
        "from .test_goals import goal_values\n": "tests.scenario.test_goals.goal_values",
        "from . import test_home\n": "tests.scenario.test_home",
        "from ..integration.test_services import team\n": "tests.integration.test_services.team",
        "from tests.scenario.conftest import Harness\n": "tests.scenario.conftest.Harness",
        "from tests.conftest import PG_URL\n": "tests.conftest.PG_URL",
        "def late() -> None:\n    from tests.scenario.test_cli import env\n": "tests.scenario.test_cli.env",
    }
    for source, name in caught.items():
        assert violations(source, module, path) == [
            f"{path}:{source.count(chr(10))} imports {name}: import shared helpers from tests.support"
        ], source


def test_tests_support_and_the_code_under_test_may_be_imported() -> None:
    source = (
        "from tests.support.slack import click\n"
        "from tests.support import cli\n"
        "import tests.support.factories\n"
        "from bot.ids import StatusBlock\n"
        "import pytest\n"
    )
    assert violations(source, "tests.scenario.test_probe", "tests/scenario/test_probe.py") == []
    # Relative imports inside tests/support resolve into it.
    assert violations("from .harness import Harness\n", "tests.support.slack", "tests/support/slack.py") == []
    assert (
        violations("from . import harness\n", "tests.support", "tests/support/__init__.py", is_package=True)
        == []
    )
    # A module whose name only starts like tests.support is not in it.
    assert violations("import tests.supportive\n", "tests.unit.test_probe", "tests/unit/test_probe.py") != []
