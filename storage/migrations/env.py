"""Alembic environment: runs against the engine pmpulse hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from storage.db import include_object
from storage.models import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    config = context.config
    engine = config.attributes.get("engine")
    if engine is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section) or {},
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
