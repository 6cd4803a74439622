"""Every table of pmpulse, for the migrations: the metadata with all feature modules loaded.

Each feature keeps its tables in its own module of this package; importing them all here means a
new feature's tables are seen by Alembic (and by the test that compares models and migrations)
without being listed anywhere.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData

import storage
from storage.base import Base

# Not feature modules: the migrations package runs Alembic's env.py, which imports this one.
_NOT_FEATURES = frozenset({"migrations", "schema"})


def load_all() -> MetaData:
    """Import every module of the storage package; the metadata then holds every table."""
    for module in pkgutil.iter_modules(storage.__path__):
        if module.name not in _NOT_FEATURES and not module.name.startswith("_"):
            importlib.import_module(f"storage.{module.name}")
    return Base.metadata


metadata = load_all()
