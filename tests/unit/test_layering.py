"""DESIGN section 1: imports flow one way (handlers -> bot.services -> storage, handlers -> bot.ui).

Imports are read with `ast`, including those inside functions and `TYPE_CHECKING` blocks, since
each is still a dependency. `bot.fakeslack` is test tooling and exempt.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")
EXEMPT = ("bot.fakeslack",)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "handlers.actions"
    path: str  # relative to the repo root
    line: int
    name: str  # the imported module, e.g. "slack_sdk.models.views"


@dataclass(frozen=True)
class Rule:
    name: str
    layers: tuple[str, ...]  # modules the rule applies to
    forbidden: tuple[str, ...]  # what they must not import
    allowed_in: tuple[str, ...] = ()  # for "only X may import Y" rules: the X

    def applies_to(self, module: str) -> bool:
        return within(module, self.layers) and not within(module, self.allowed_in)


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_in(source: str, *, module: str, path: str, is_package: bool = False) -> Iterator[Import]:
    """Every module that `source` (the code of `module`) imports, with its line."""
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                target = _resolve_relative(module, is_package, node.level, node.module)
            yield Import(module, path, node.lineno, target)
            # `from slack_sdk import models` imports the module slack_sdk.models.
            for alias in node.names:
                if alias.name != "*":
                    yield Import(module, path, node.lineno, f"{target}.{alias.name}")


def imports_of(path: Path) -> Iterator[Import]:
    return imports_in(
        path.read_text(encoding="utf-8"),
        module=module_name(path),
        path=path.relative_to(ROOT).as_posix(),
        is_package=path.name == "__init__.py",
    )


def all_imports() -> list[Import]:
    found: list[Import] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not within(module_name(path), EXEMPT):
                found.extend(imports_of(path))
    return found


IMPORTS = all_imports()

RULES = (
    Rule("storage imports nothing from bot or handlers", ("storage",), ("bot", "handlers")),
    Rule(
        "bot.services and bot.domain never import Slack libraries or handlers",
        ("bot.services", "bot.domain"),
        ("slack_bolt", "slack_sdk", "handlers"),
    ),
    Rule("bot.domain imports neither SQLAlchemy nor storage", ("bot.domain",), ("sqlalchemy", "storage")),
    Rule(
        "bot.ui imports nothing from handlers or storage, nor SQLAlchemy",
        ("bot.ui",),
        ("handlers", "storage", "sqlalchemy"),
    ),
    Rule(
        "Block Kit (slack_sdk.models) is built only in bot.ui",
        PACKAGES,
        ("slack_sdk.models",),
        allowed_in=("bot.ui",),
    ),
)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_layering(rule: Rule) -> None:
    offending: dict[tuple[str, int], str] = {}
    for i in IMPORTS:
        if rule.applies_to(i.module) and within(i.name, rule.forbidden):
            # `from a.b import c` yields a.b and a.b.c: name the statement once, by its module.
            known = offending.get((i.path, i.line))
            offending[(i.path, i.line)] = i.name if known is None or len(i.name) < len(known) else known
    report = "\n".join(f"  {path}:{line}: imports {name}" for (path, line), name in sorted(offending.items()))
    assert not offending, f"{rule.name}; violated by:\n{report}"


def test_every_layer_is_scanned() -> None:
    """If a package moved, the rules above would pass on nothing."""
    modules = {i.module for i in IMPORTS}
    for layer in ("storage", "bot.services", "bot.domain", "bot.ui", "handlers"):
        assert any(within(m, (layer,)) for m in modules), f"no module of {layer} was scanned"
    assert not any(within(m, EXEMPT) for m in modules)


def test_the_scanner_reads_every_import_form() -> None:
    source = (
        "import sqlalchemy.orm\n"
        "from slack_sdk import models\n"
        "from . import sibling\n"
        "from ..storage import repositories\n"
        "if TYPE_CHECKING:\n"
        "    from slack_bolt import App\n"
        "def late() -> None:\n"
        "    from handlers.x import y\n"
    )
    found = list(imports_in(source, module="bot.ui.probe", path="bot/ui/probe.py"))
    names = {i.name for i in found}
    assert {"sqlalchemy.orm", "slack_sdk.models", "bot.ui.sibling", "bot.storage.repositories"} <= names
    assert {"slack_bolt.App", "handlers.x"} <= names
    assert next(i.line for i in found if i.name == "handlers.x") == 8
    rule = next(r for r in RULES if r.layers == ("bot.ui",))
    assert rule.applies_to("bot.ui.probe") and within("handlers.x", rule.forbidden)


def test_the_router_routes_exactly_the_subcommands_named_in_ids() -> None:
    # bot.edge labels metrics from bot.ids without importing handlers; the two lists must agree.
    from bot.ids import NOT_YET_AVAILABLE, Subcommand
    from handlers.commands import SUBCOMMANDS

    assert {"help", *SUBCOMMANDS} == set(Subcommand)
    assert not NOT_YET_AVAILABLE & set(Subcommand)
