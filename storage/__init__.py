"""Persistence: engine and sessions, one module per feature, the unit of work, migrations.

Each feature keeps its tables and their repositories together (`roster`, `goals`, `status`,
`outbox`...), on the declarative base and column types of `base`. Repositories never commit: the
unit of work (`uow`) does, once; a feature's repository is attached to it by one line there.
`schema` gathers every table for Alembic. Nothing here imports from `bot` or `handlers`.
"""
