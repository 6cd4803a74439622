"""Persistence: SQLAlchemy models, engine and sessions, repositories, migrations.

Nothing here imports from `bot` or `handlers`.
"""
