"""Signed Slack requests already accepted: the record that makes a replay a no-op."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, cast

from sqlalchemy import String, Table, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime, insert_of


class SeenRequest(Base):
    """Signed Slack requests already accepted, so a byte-identical replay is processed once.

    Keyed by a digest of the signature and its timestamp, which together name one signed body.
    Not per workspace: replays are refused before the body is trusted enough to name one.
    Rows older than Slack's signature window can be deleted: such a replay fails the signature check.
    """

    __tablename__ = "seen_request"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """Every signed request runs it: built once per dialect, compiled once."""
    table = cast(Table, SeenRequest.__table__)
    return (
        insert_of(dialect)(table).on_conflict_do_nothing(index_elements=["digest"]).returning(table.c.digest)
    )


class SeenRequestRepository:
    """Across workspaces: a request is recorded before anything in it is trusted."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, digest: str, signed_at: dt.datetime) -> bool:
        """Record a signed request; False when it was accepted before (a replay).

        The primary key decides, so two processes racing on one replay cannot both win.
        """
        statement = _claim_statement(self.session.get_bind().dialect.name)
        # RETURNING, not rowcount: psycopg reports -1 for a conflict skipped inside a transaction.
        found = self.session.connection().execute(statement, {"digest": digest, "signed_at": signed_at})
        return found.first() is not None

    def forget_signed_before(self, cutoff: dt.datetime) -> int:
        """Delete records of requests whose signature has expired anyway; how many went."""
        result = self.session.execute(delete(SeenRequest).where(SeenRequest.signed_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
