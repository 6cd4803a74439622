"""Signed Slack requests already accepted: the record that makes a replay a no-op."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import SeenRequest


class SeenRequestRepository:
    """Across workspaces: a request is recorded before anything in it is trusted."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, digest: str, signed_at: dt.datetime) -> bool:
        """Record a signed request; False when it was accepted before (a replay).

        The primary key decides, so two processes racing on one replay cannot both win.
        """
        try:
            with self.session.begin_nested():
                self.session.add(SeenRequest(digest=digest, signed_at=signed_at))
        except IntegrityError:
            return False
        return True

    def forget_signed_before(self, cutoff: dt.datetime) -> int:
        """Delete records of requests whose signature has expired anyway; how many went."""
        result = self.session.execute(delete(SeenRequest).where(SeenRequest.signed_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
