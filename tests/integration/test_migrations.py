"""Migrations build the schema from empty and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from storage.db import include_object, make_engine, pending_migrations, upgrade
from storage.models import Base


def test_upgrade_from_empty_creates_every_table(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    assert pending_migrations(engine) != []

    upgrade(engine)

    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert pending_migrations(engine) == []
    upgrade(engine)  # idempotent: running it again changes nothing
    engine.dispose()


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models differ from migrations; run alembic autogenerate: {diff}"


def test_constraint_names_follow_the_naming_convention(engine: Engine) -> None:
    inspector = inspect(engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("member")}
    assert "uq_member_workspace_id_slack_user_id" in uniques
    fks = {fk["name"] for fk in inspector.get_foreign_keys("goal")}
    assert "fk_goal_owner_id_member" in fks
