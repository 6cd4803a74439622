"""Each signed Slack request is processed once, across every process sharing the database.

A request's signature covers its timestamp and body, so signature and timestamp together
name one request. The first process to record them processes it; a byte-identical replay
(someone who captured a request re-sending it inside Slack's five-minute signature window)
finds the record and is answered without being processed. Records are kept a little longer
than the window and then deleted: by then a replay fails the signature check instead.

Slack's own redeliveries of an event (X-Slack-Retry-Num) are signed afresh, so they pass
here and are made once-only by their event ID, in the middleware.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

from sqlalchemy.orm import Session, sessionmaker

from storage.uow import UnitOfWork

SIGNATURE_WINDOW = dt.timedelta(minutes=5)  # Slack's: older (or newer) timestamps are refused
KEEP_FOR = SIGNATURE_WINDOW + dt.timedelta(minutes=1)  # a margin for clocks that disagree a little
FORGET_EVERY = dt.timedelta(minutes=1)


def request_digest(*, signature: str, timestamp: str) -> str:
    return hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()


class ReplayGuard:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._lock = threading.Lock()
        self._forgot_at: dt.datetime | None = None

    def first_time(self, *, signature: str, timestamp: str, now: dt.datetime) -> bool:
        """Record a verified request; False when it was seen before and must not be processed."""
        signed_at = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
        with UnitOfWork(self._session_factory) as uow:
            if self._time_to_forget(now):
                uow.seen_requests.forget_signed_before(now - KEEP_FOR)
            digest = request_digest(signature=signature, timestamp=timestamp)
            first = uow.seen_requests.claim(digest, signed_at)
            uow.commit()
        return first

    def _time_to_forget(self, now: dt.datetime) -> bool:
        with self._lock:
            if self._forgot_at is not None and now - self._forgot_at < FORGET_EVERY:
                return False
            self._forgot_at = now
            return True
