"""The storage package's shape: repositories leave committing to the unit of work, and every table
any storage module declares is in the metadata the migrations compare against."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORAGE = ROOT / "storage"
# The unit of work commits (once, when its caller says so); migrations run outside it.
MAY_COMMIT = ("storage/uow.py", "storage/migrations/")


def storage_modules() -> list[Path]:
    return sorted(STORAGE.rglob("*.py"))


def commits_in(source: str) -> list[int]:
    """Lines calling something's `.commit()`."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    )


def declared_tables(source: str) -> set[str]:
    """`__tablename__` of every class in `source`."""
    return {
        statement.value.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in statement.targets)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    }


def test_repositories_never_commit() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in storage_modules()
        if not path.relative_to(ROOT).as_posix().startswith(MAY_COMMIT)
        and (lines := commits_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"commit in a repository (the unit of work commits): {found}"


def test_the_migrations_see_every_table_a_storage_module_declares() -> None:
    from storage.schema import metadata

    declared: set[str] = set()
    for path in storage_modules():
        declared |= declared_tables(path.read_text(encoding="utf-8"))
    assert len(declared) >= 15
    assert set(metadata.tables) == declared


def test_the_scanners_read_what_they_look_for() -> None:
    source = (
        "class Note(Base):\n"
        "    __tablename__ = 'note'\n"
        "    def save(self):\n"
        "        self.session.commit()\n"
        "        self.session.flush()\n"
    )
    assert commits_in(source) == [4]
    assert declared_tables(source) == {"note"}
