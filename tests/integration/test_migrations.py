"""Migrations build the schema from empty and agree with the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from storage.db import alembic_config, include_object, make_engine, pending_migrations, script_head, upgrade
from storage.schema import metadata


def test_upgrade_from_empty_creates_every_table(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    assert pending_migrations(engine) != []

    upgrade(engine)

    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert pending_migrations(engine) == []
    upgrade(engine)  # idempotent: running it again changes nothing
    engine.dispose()


def test_the_head_read_from_the_version_files_is_alembics(engine: Engine) -> None:
    """`upgrade` skips Alembic when the database is at this head: it must be Alembic's own."""
    assert [script_head()] == ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    with engine.connect() as connection:
        assert connection.scalars(text("SELECT version_num FROM alembic_version")).all() == [script_head()]


def test_a_chain_it_cannot_read_plainly_is_left_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision: str = "0002"\ndown_revision: str | None = "0001"\n')
    assert script_head(tmp_path) == "0002"  # Alembic's newer template annotates them
    (tmp_path / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0001"\n')
    assert script_head(tmp_path) is None  # two heads
    (tmp_path / "0003_c.py").write_text('revision = "0003"\ndown_revision = ("0001", "0002")\n')
    assert script_head(tmp_path) is None  # a merge
    assert script_head(tmp_path / "missing") is None


def test_a_database_behind_the_head_is_migrated(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    upgrade(engine, "0004")
    assert pending_migrations(engine)[-1:] == [script_head()]

    upgrade(engine)

    assert pending_migrations(engine) == []
    engine.dispose()


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models differ from migrations; run alembic autogenerate: {diff}"


def test_constraint_names_follow_the_naming_convention(engine: Engine) -> None:
    inspector = inspect(engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("member")}
    assert "uq_member_workspace_id_slack_user_id" in uniques
    fks = {fk["name"] for fk in inspector.get_foreign_keys("goal")}
    assert "fk_goal_owner_id_member" in fks
