"""Imports flow one way (handlers -> bot.services -> storage, handlers -> bot.ui).

The rules and their reasons: docs/architecture.md#layers-and-import-rules.

Listeners sit on top: nothing in `bot` imports `handlers` but the app factory that registers them,
so scheduled jobs (`bot.jobs`), what they send (`bot.notifications`), the scheduler and the CLI
stand without them. Messages sent outside a request are queued through `bot.notifications`, and
DM channels are opened one way only (`bot.delivery.dm_channels`).
Listeners reach the database only through services: a service opens the unit of work and returns
plain values, so `handlers` import nothing from `storage`.

Imports are read with `ast`, including those inside functions and `TYPE_CHECKING` blocks, since
each is still a dependency. `bot.fakeslack` is test tooling and exempt.
"""

from __future__ import annotations

import ast
import functools
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


@functools.cache
def imports() -> list[Import]:
    """Parsed by the test process that runs a test using them, not at every collection."""
    return all_imports()

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
        "only the app factory (bot.app) imports handlers from bot",
        ("bot",),
        ("handlers",),
        allowed_in=("bot.app",),
    ),
    Rule(
        "listeners queue nothing themselves: the outbox is reached through bot.notifications or services",
        ("handlers",),
        ("bot.delivery.outbox", "storage.outbox"),
    ),
    Rule(
        "services decide and record; they render nothing and queue nothing (bot.notifications does)",
        ("bot.services",),
        ("bot.ui", "bot.notifications", "bot.delivery"),
    ),
    Rule(
        "handlers import nothing from storage",
        ("handlers",),
        ("storage",),
    ),
    Rule(
        "Block Kit (slack_sdk.models) is built only in bot.ui",
        PACKAGES,
        ("slack_sdk.models",),
        allowed_in=("bot.ui",),
    ),
)


def violations(rule: Rule, imports: list[Import]) -> dict[tuple[str, int], str]:
    """The import statements breaking `rule`, by file and line, each named by what it imports."""
    offending: dict[tuple[str, int], str] = {}
    for i in imports:
        if rule.applies_to(i.module) and within(i.name, rule.forbidden):
            # `from a.b import c` yields a.b and a.b.c: name the statement once, by its module.
            known = offending.get((i.path, i.line))
            offending[(i.path, i.line)] = i.name if known is None or len(i.name) < len(known) else known
    return offending


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_layering(rule: Rule) -> None:
    offending = violations(rule, imports())
    report = "\n".join(f"  {path}:{line}: imports {name}" for (path, line), name in sorted(offending.items()))
    assert not offending, f"{rule.name}; violated by:\n{report}"


def test_a_listener_importing_storage_breaks_the_rule() -> None:
    rule = next(r for r in RULES if r.name == "handlers import nothing from storage")
    source = (
        "from bot.services import goals\n"
        "from storage.models import Member\n"
        "def late() -> None:\n"
        "    import storage.uow\n"
    )
    probe = list(imports_in(source, module="handlers.probe", path="handlers/probe.py"))
    assert violations(rule, probe) == {
        ("handlers/probe.py", 2): "storage.models",
        ("handlers/probe.py", 4): "storage.uow",
    }
    # The same lines in a service are the normal way down.
    service = list(imports_in(source, module="bot.services.probe", path="bot/services/probe.py"))
    assert violations(rule, service) == {}


def test_every_layer_is_scanned() -> None:
    """If a package moved, the rules above would pass on nothing."""
    modules = {i.module for i in imports()}
    for layer in (
        "storage",
        "bot.services",
        "bot.domain",
        "bot.ui",
        "handlers",
        "bot.jobs",
        "bot.notifications",
    ):
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


def test_bot_reaching_into_handlers_is_caught_but_the_app_factory_may() -> None:
    rule = next(r for r in RULES if r.name.startswith("only the app factory"))
    late = "def jobs() -> None:\n    from handlers.context import profile_lookup\n"
    for module in ("bot.scheduler", "bot.jobs.status", "bot.notifications.digest", "bot.cli"):
        found = list(imports_in(late, module=module, path="probe.py"))
        assert any(rule.applies_to(i.module) and within(i.name, rule.forbidden) for i in found), module
    factory = imports_in("import handlers\n", module="bot.app", path="bot/app.py")
    assert not any(rule.applies_to(i.module) and within(i.name, rule.forbidden) for i in factory)
    # A module named like the layer is not in it.
    assert not within("handlers_extra", rule.forbidden)


def test_dm_channels_are_opened_one_way() -> None:
    """conversations.open is called only where DM channels are opened and stored for everyone."""
    callers = sorted(
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if not within(module_name(path), EXEMPT) and "conversations_open" in path.read_text(encoding="utf-8")
    )
    assert callers == ["bot/delivery/dm_channels.py"]


def test_the_router_routes_exactly_the_subcommands_named_in_ids() -> None:
    # bot.edge labels metrics from bot.ids without importing handlers; the two lists must agree.
    from slack_bolt import App

    from bot.ids import NOT_YET_AVAILABLE, Subcommand
    from handlers import register_features

    routed = register_features(App(name="layering", token="xoxb-layering", token_verification_enabled=False))
    assert {"help", *routed.subcommands} == set(Subcommand)
    assert not NOT_YET_AVAILABLE & set(Subcommand)


def test_a_service_reaching_for_a_renderer_or_a_notification_breaks_the_rule() -> None:
    rule = next(r for r in RULES if r.name.startswith("services decide and record"))
    source = (
        "from bot.ui.status import build_late_note\n"
        "def submit() -> None:\n"
        "    from bot.notifications import status\n"
        "    import bot.ui\n"
        "from bot.delivery.outbox import enqueue\n"
    )
    probe = list(imports_in(source, module="bot.services.probe", path="bot/services/probe.py"))
    assert violations(rule, probe) == {
        ("bot/services/probe.py", 1): "bot.ui.status",
        ("bot/services/probe.py", 3): "bot.notifications",
        ("bot/services/probe.py", 4): "bot.ui",
        ("bot/services/probe.py", 5): "bot.delivery.outbox",
    }
    # The notifications module is where a service's plain data meets its renderer.
    above = list(imports_in(source, module="bot.notifications.probe", path="bot/notifications/probe.py"))
    assert violations(rule, above) == {}
    # A module merely named like the layer is not in it.
    assert not within("bot.uikit", rule.forbidden)
